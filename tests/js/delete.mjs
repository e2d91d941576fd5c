// https://ai.google.dev/gemini-api/docs/interactions ("Retrieving and deleting interactions", JavaScript)
import { GoogleGenAI } from "@google/genai";

const client = new GoogleGenAI({ apiKey: process.env.API_KEY, httpOptions: { baseUrl: process.env.BASE_URL } });

const interaction = await client.interactions.create({
    model: "gemini-3.5-flash",
    input: "Tell me a short joke about programming.",
});
const previous = await client.interactions.get(interaction.id);
console.log(`Retrieved: ${previous.id} (${previous.status}) ${JSON.stringify(previous.steps.map((s) => s.type))}`);

await client.interactions.delete(interaction.id);
try {
    await client.interactions.get(interaction.id);
} catch (e) {
    console.log(`Gone after delete: ${e.status}`);
}
