// https://ai.google.dev/gemini-api/docs/interactions/google-search (JavaScript)
import { GoogleGenAI } from "@google/genai";

const client = new GoogleGenAI({ apiKey: process.env.API_KEY, httpOptions: { baseUrl: process.env.BASE_URL } });

const interaction = await client.interactions.create({
    model: "gemini-3.5-flash",
    input: "Who won the euro 2024?",
    tools: [{ type: "google_search" }],
});
for (const step of interaction.steps) {
    if (step.type === "google_search_call") {
        console.log(`Search: ${JSON.stringify(step.arguments.queries)}`);
    }
}
console.log(interaction.output_text);
