// https://ai.google.dev/gemini-api/docs/interactions/deep-research (JavaScript): the agent runs
// in the background; poll until it is done
import { GoogleGenAI } from "@google/genai";

const client = new GoogleGenAI({ apiKey: process.env.API_KEY, httpOptions: { baseUrl: process.env.BASE_URL } });

let interaction = await client.interactions.create({
    input: "Research the history of Google TPUs.",
    agent: "deep-research-pro-preview-12-2025",
    background: true,
});
console.log(`Research started: ${interaction.id}`);

while (true) {
    interaction = await client.interactions.get(interaction.id);
    if (interaction.status === "completed") {
        console.log(interaction.output_text);
        break;
    } else if (interaction.status === "failed") {
        console.log(`Research failed: ${JSON.stringify(interaction.error)}`);
        break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
}
