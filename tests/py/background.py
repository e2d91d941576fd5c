# https://ai.google.dev/gemini-api/docs/background-execution (Python): create in the background,
# then poll until a terminal status (the page's polling section was not in the search corpus:
# the loop is the usual one, with a short interval)
import os
import time

from google import genai

client = genai.Client(api_key=os.environ["API_KEY"], http_options={"base_url": os.environ["BASE_URL"]})

interaction = client.interactions.create(
    model="gemini-3.8-flash",
    input="Write a guide on space exploration.",
    background=True,
)
print(f"Created background interaction ID: {interaction.id}")

while True:
    interaction = client.interactions.get(interaction.id)
    print(f"Status: {interaction.status}")
    if interaction.status == "completed":
        print(interaction.output_text)
        break
    elif interaction.status in ("failed", "cancelled"):
        break
    time.sleep(0.2)
