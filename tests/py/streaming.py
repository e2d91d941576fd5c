# https://ai.google.dev/gemini-api/docs/interactions/streaming (Python)
import os

from google import genai

client = genai.Client(api_key=os.environ["API_KEY"], http_options={"base_url": os.environ["BASE_URL"]})

stream = client.interactions.create(
    model="gemini-3.8-flash",
    input="Count from 1 to 25.",
    stream=True,
)
for event in stream:
    if event.event_type == "step.delta":
        if event.delta.type == "text":
            print(event.delta.text, end="", flush=True)
