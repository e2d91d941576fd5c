# https://ai.google.dev/gemini-api/docs/interactions/google-search (Python)
import os

from google import genai

client = genai.Client(api_key=os.environ["API_KEY"], http_options={"base_url": os.environ["BASE_URL"]})

interaction = client.interactions.create(
    model="gemini-3.5-flash",
    input="Who won the euro 2024?",
    tools=[{"type": "google_search"}]
)
for step in interaction.steps:
    if step.type == "google_search_call":
        print(f"Search: {step.arguments.queries}")
print(interaction.output_text)
