# https://ai.google.dev/gemini-api/docs/interactions/structured-output (Python): a Pydantic
# schema as the text format's schema, the answer parsed back with the same model
import os

from google import genai
from pydantic import BaseModel, Field

client = genai.Client(api_key=os.environ["API_KEY"], http_options={"base_url": os.environ["BASE_URL"]})

class Person(BaseModel):
    name: str = Field(description="The person's name.")
    age: int = Field(description="The person's age in years.")

interaction = client.interactions.create(
    model="gemini-3.5-flash",
    input="Extract the person: a woman named Ada, 36 years old.",
    response_format={
        "type": "text",
        "mime_type": "application/json",
        "schema": Person.model_json_schema(),
    },
)
person = Person.model_validate_json(interaction.output_text)
print(person)
