// https://ai.google.dev/gemini-api/docs/interactions/function-calling (JavaScript): declare a
// function, run the function_call steps, send each function_result on previous_interaction_id
import { GoogleGenAI } from "@google/genai";

const client = new GoogleGenAI({ apiKey: process.env.API_KEY, httpOptions: { baseUrl: process.env.BASE_URL } });

// 1. Define the tool
function getWeather(location) {
    return `The weather in ${location} is sunny.`;
}

const weatherTool = {
    type: "function",
    name: "get_weather",
    description: "Gets the weather for a given location.",
    parameters: {
        type: "object",
        properties: {
            location: { type: "string", description: "The city and state, e.g. San Francisco, CA" },
        },
        required: ["location"],
    },
};

// 2. Send the request with tools
let interaction = await client.interactions.create({
    model: "gemini-3.5-flash",
    input: "What is the weather in Paris?",
    tools: [weatherTool],
});

// 3. Handle the tool call
for (const step of interaction.steps) {
    if (step.type === "function_call") {
        console.log(`Tool Call: ${step.name}(${JSON.stringify(step.arguments)})`);
        const result = getWeather(step.arguments.location);
        // 4. Send the result back
        interaction = await client.interactions.create({
            model: "gemini-3.5-flash",
            previous_interaction_id: interaction.id,
            input: [{ type: "function_result", name: step.name, call_id: step.id, result: result }],
        });
        console.log(`Response: ${interaction.output_text}`);
    }
}
