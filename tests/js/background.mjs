// https://ai.google.dev/gemini-api/docs/background-execution (JavaScript): create in the
// background, then poll until a terminal status (the page's polling section was not in the
// search corpus: the loop is the usual one, with a short interval)
import { GoogleGenAI } from "@google/genai";

const client = new GoogleGenAI({ apiKey: process.env.API_KEY, httpOptions: { baseUrl: process.env.BASE_URL } });

let interaction = await client.interactions.create({
    model: "gemini-3.8-flash",
    input: "Write a guide on space exploration.",
    background: true,
});
console.log(`Created background interaction ID: ${interaction.id}`);

while (true) {
    interaction = await client.interactions.get(interaction.id);
    console.log(`Status: ${interaction.status}`);
    if (interaction.status === "completed") {
        console.log(interaction.output_text);
        break;
    } else if (["failed", "cancelled"].includes(interaction.status)) {
        break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
}
