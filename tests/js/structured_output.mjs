// https://ai.google.dev/gemini-api/docs/interactions/structured-output (JavaScript): a JSON
// Schema as the text format's schema, the answer parsed as JSON
import { GoogleGenAI } from "@google/genai";

const client = new GoogleGenAI({ apiKey: process.env.API_KEY, httpOptions: { baseUrl: process.env.BASE_URL } });

const personSchema = {
    type: "object",
    properties: {
        name: { type: "string", description: "The person's name." },
        age: { type: "integer", description: "The person's age in years." },
    },
    required: ["name", "age"],
};

const interaction = await client.interactions.create({
    model: "gemini-3.5-flash",
    input: "Extract the person: a woman named Ada, 36 years old.",
    response_format: { type: "text", mime_type: "application/json", schema: personSchema },
});
const person = JSON.parse(interaction.output_text);
console.log(person);
