"""Embedding endpoints driven by real clients: the OpenAI Python SDK against /v1/embeddings, and the
unmodified chromadb-client whose embedding functions call Cortex (chroma-cloud-qwen through
CHROMA_EMBED_URL, and its OpenAI function through api_base).

usage: embed_scenario.py BASE_URL API_KEY REFERENCE_JSON
REFERENCE_JSON holds {"text": ..., "embedding": [...]} of the reference fixture (one text).
Exits non-zero on the first failed check, printing it.
"""
import json
import math
import os
import sys

base, key, reference_path = sys.argv[1], sys.argv[2], sys.argv[3]
reference = json.load(open(reference_path))


def check(condition, message):
    if not condition:
        print("FAILED:", message)
        sys.exit(1)
    print("ok:", message)


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


# ---- OpenAI SDK (sends encoding_format=base64 by default and decodes it) -----------------------
import openai

client = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0)
reply = client.embeddings.create(model="all-MiniLM-L6-v2", input=[reference["text"], "The weather is nice today."])
check(len(reply.data) == 2 and [d.index for d in reply.data] == [0, 1], "two embeddings in input order")
vector = reply.data[0].embedding
check(len(vector) == 384, "384 dimensions")
check(abs(math.sqrt(sum(x * x for x in vector)) - 1) < 1e-4, "unit length")
check(cosine(vector, reference["embedding"]) >= 0.9999, "matches the reference embedding (cosine %.6f)" % cosine(vector, reference["embedding"]))
check(reply.usage.prompt_tokens > 4 and reply.model == "all-MiniLM-L6-v2", "usage and model reported")
floats = client.embeddings.create(model="all-MiniLM-L6-v2", input=reference["text"], encoding_format="float")
check(cosine(floats.data[0].embedding, vector) > 0.999999, "float and base64 encodings agree")
try:
    client.embeddings.create(model="text-embedding-3-small", input="x")
    check(False, "an unknown model is refused")
except openai.BadRequestError as error:
    check("all-MiniLM-L6-v2" in str(error), "an unknown model is a 400 naming the available one")
try:
    openai.OpenAI(base_url=base + "/v1", api_key="ck_wrong", max_retries=0).embeddings.create(model="all-MiniLM-L6-v2", input="x")
    check(False, "a wrong key is refused")
except openai.AuthenticationError:
    check(True, "a wrong key is a 401")

# ---- chromadb-client: documents and query texts embedded by Cortex ----------------------------
os.environ["CHROMA_EMBED_URL"] = base + "/api/v2/embed"
os.environ["CHROMA_API_KEY"] = key
os.environ["CHROMA_OPENAI_API_KEY"] = key
import chromadb
from chromadb.utils.embedding_functions import ChromaCloudQwenEmbeddingFunction, OpenAIEmbeddingFunction
from chromadb.utils.embedding_functions.chroma_cloud_qwen_embedding_function import ChromaCloudQwenEmbeddingModel

host, port = base.split("://")[1].split(":")
chroma = chromadb.HttpClient(host=host, port=int(port), headers={"Authorization": "Bearer " + key})
documents = [
    "Our store opens at 9am on Saturdays and closes at 5pm.",
    "Refunds are issued within 14 days of receiving the returned item.",
    "We ship to Canada, Mexico and most of Europe.",
    "Reset your password from the account settings page.",
]
questions = ["What time do you open on the weekend?", "How long does a refund take?",
             "Do you deliver to Toronto?", "I forgot my password"]

qwen = ChromaCloudQwenEmbeddingFunction(model=ChromaCloudQwenEmbeddingModel.QWEN3_EMBEDDING_0p6B, task="nl_to_code")
faq = chroma.create_collection("faq", embedding_function=qwen, metadata={"hnsw:space": "cosine"})
faq.add(ids=["hours", "refunds", "shipping", "password"], documents=documents)
check(faq.count() == 4, "documents added without embeddings")
answers = faq.query(query_texts=questions, n_results=1)
check([row[0] for row in answers["ids"]] == ["hours", "refunds", "shipping", "password"],
      "each question finds its answer (chroma-cloud-qwen through CHROMA_EMBED_URL): %s" % answers["ids"])
stored = faq.get(ids=["hours"], include=["embeddings"])
check(len(stored["embeddings"][0]) == 384, "the stored vectors are the server's 384-dimensional ones")

again = chroma.get_collection("faq")
answers = again.query(query_texts=["when can I get my money back"], n_results=1)
check(answers["ids"][0][0] == "refunds", "a collection fetched without an embedding function uses the one it was created with")

openai_ef = OpenAIEmbeddingFunction(model_name="all-MiniLM-L6-v2", api_base=base + "/v1")
kb = chroma.create_collection("kbase", embedding_function=openai_ef)
kb.add(ids=["hours", "refunds"], documents=documents[:2])
check(kb.query(query_texts=["opening hours"], n_results=1)["ids"][0][0] == "hours",
      "chromadb's OpenAI embedding function works against /v1/embeddings")
print("all checks passed")
