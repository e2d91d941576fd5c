// https://ai.google.dev/gemini-api/docs/interactions/code-execution (JavaScript)
import { GoogleGenAI } from "@google/genai";

const client = new GoogleGenAI({ apiKey: process.env.API_KEY, httpOptions: { baseUrl: process.env.BASE_URL } });

const interaction = await client.interactions.create({
    model: "gemini-3.5-flash",
    input: "What is the 50th Fibonacci number? Generate and run code for the calculation.",
    tools: [{ type: "code_execution" }],
});
for (const step of interaction.steps) {
    if (step.type === "code_execution_call") {
        console.log(`Code: ${step.arguments.code}`);
    } else if (step.type === "code_execution_result") {
        console.log(`Result: ${step.result}`);
    }
}
console.log(interaction.output_text);
