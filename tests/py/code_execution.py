# https://ai.google.dev/gemini-api/docs/interactions/code-execution (Python)
import os

from google import genai

client = genai.Client(api_key=os.environ["API_KEY"], http_options={"base_url": os.environ["BASE_URL"]})

interaction = client.interactions.create(
    model="gemini-3.5-flash",
    input="What is the 50th Fibonacci number? Generate and run code for the calculation.",
    tools=[{"type": "code_execution"}]
)
for step in interaction.steps:
    if step.type == "code_execution_call":
        print(f"Code: {step.arguments.code}")
    elif step.type == "code_execution_result":
        print(f"Result: {step.result}")
print(interaction.output_text)
