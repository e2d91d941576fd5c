# https://ai.google.dev/gemini-api/docs/interactions ("Retrieving and deleting interactions", Python)
import os

from google import genai

client = genai.Client(api_key=os.environ["API_KEY"], http_options={"base_url": os.environ["BASE_URL"]})

interaction = client.interactions.create(
    model="gemini-3.5-flash",
    input="Tell me a short joke about programming."
)
previous = client.interactions.get(interaction.id)
print(f"Retrieved: {previous.id} ({previous.status}) {[step.type for step in previous.steps]}")

client.interactions.delete(interaction.id)
try:
    client.interactions.get(interaction.id)
except Exception as e:  # google-genai 3.x: the Interactions client's own NotFoundError
    print(f"Gone after delete: {getattr(e, 'status_code', e)}")
