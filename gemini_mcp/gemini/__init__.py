"""The port to Gemini and its google-genai adapter."""
