// https://ai.google.dev/gemini-api/docs/interactions ("Server-side state management", JavaScript)
import { GoogleGenAI } from "@google/genai";

const client = new GoogleGenAI({ apiKey: process.env.API_KEY, httpOptions: { baseUrl: process.env.BASE_URL } });

// 1. First turn
const interaction1 = await client.interactions.create({
  model: "gemini-3.5-flash",
  input: "Hi, my name is Phil.",
});
console.log(`Model: ${interaction1.output_text}`);

// 2. Second turn (passing previous_interaction_id)
const interaction2 = await client.interactions.create({
  model: "gemini-3.5-flash",
  input: "What is my name?",
  previous_interaction_id: interaction1.id,
});
console.log(`Model: ${interaction2.output_text}`);
