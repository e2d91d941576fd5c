# https://ai.google.dev/gemini-api/docs/interactions ("Server-side state management", Python)
import os

from google import genai

client = genai.Client(api_key=os.environ["API_KEY"], http_options={"base_url": os.environ["BASE_URL"]})

# 1. First turn
interaction1 = client.interactions.create(
    model="gemini-3.5-flash",
    input="Hi, my name is Phil."
)
print(f"Model: {interaction1.output_text}")

# 2. Second turn (passing previous_interaction_id)
interaction2 = client.interactions.create(
    model="gemini-3.5-flash",
    input="What is my name?",
    previous_interaction_id=interaction1.id
)
print(f"Model: {interaction2.output_text}")
