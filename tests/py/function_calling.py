# https://ai.google.dev/gemini-api/docs/interactions/function-calling (Python): declare a
# function, run the function_call steps, send each function_result on previous_interaction_id
import os

from google import genai

client = genai.Client(api_key=os.environ["API_KEY"], http_options={"base_url": os.environ["BASE_URL"]})

# 1. Define the tool
def get_weather(location):
    """Gets the weather for a given location."""
    return f"The weather in {location} is sunny."

weather_tool = {
    "type": "function",
    "name": "get_weather",
    "description": "Gets the weather for a given location.",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}
        },
        "required": ["location"]
    }
}

# 2. Send the request with tools
interaction = client.interactions.create(
    model="gemini-3.5-flash",
    input="What is the weather in Paris?",
    tools=[weather_tool]
)

# 3. Handle the tool call
for step in interaction.steps:
    if step.type == "function_call":
        print(f"Tool Call: {step.name}({step.arguments})")
        result = get_weather(**step.arguments)
        # 4. Send the result back
        interaction = client.interactions.create(
            model="gemini-3.5-flash",
            previous_interaction_id=interaction.id,
            input=[{
                "type": "function_result",
                "name": step.name,
                "call_id": step.id,
                "result": result
            }]
        )
        print(f"Response: {interaction.output_text}")
