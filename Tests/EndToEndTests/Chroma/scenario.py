"""The unmodified Python chromadb-client against a running cortex-server (/api/v2).

Usage: scenario.py BASE_URL KEY_OF_TENANT_A KEY_OF_TENANT_B

Every check prints one line; the script exits 1 when any check failed (ChromaCompatibilityTests
runs it and shows the output). Embeddings are always passed explicitly and collections are created
with embedding_function=None, so the client never loads or downloads an embedding model.
"""

import math
import sys
import traceback
import urllib.parse

import chromadb
import httpx
from chromadb.config import Settings
from chromadb.errors import ChromaError, InvalidArgumentError, NotFoundError, UniqueConstraintError

BASE_URL, KEY_A, KEY_B = sys.argv[1], sys.argv[2], sys.argv[3]
URL = urllib.parse.urlparse(BASE_URL)
failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))
    if not condition:
        failures.append(name)


def raises(name, exception_type, call, message=None):
    """Checks that call() raises exception_type (with exactly `message`, when given)."""
    try:
        result = call()
    except exception_type as error:
        text = error.message() if hasattr(error, "message") else str(error)
        check(name, message is None or text == message, f"message {text!r}, expected {message!r}")
        return
    except Exception as error:  # noqa: BLE001 - the wrong type is the failure being reported
        check(name, False, f"raised {type(error).__name__}: {error}")
        return
    check(name, False, f"returned {result!r}, expected {exception_type.__name__}")


def close(a, b, tolerance=1e-5):
    return len(a) == len(b) and all(abs(x - y) <= tolerance for x, y in zip(a, b))


def settings(key, header=None):
    values = dict(
        chroma_client_auth_provider="chromadb.auth.token_authn.TokenAuthClientProvider",
        chroma_client_auth_credentials=key,
        anonymized_telemetry=False,
    )
    if header:
        values["chroma_auth_token_transport_header"] = header
    return Settings(**values)


def client(key, header=None, **names):
    return chromadb.HttpClient(host=URL.hostname, port=URL.port, settings=settings(key, header), **names)


def admin(key):
    return chromadb.AdminClient(Settings(
        chroma_api_impl="chromadb.api.fastapi.FastAPI", chroma_server_host=URL.hostname, chroma_server_http_port=URL.port,
        chroma_client_auth_provider="chromadb.auth.token_authn.TokenAuthClientProvider", chroma_client_auth_credentials=key,
        anonymized_telemetry=False))


def raw(method, path, key, body=None):
    return httpx.request(method, BASE_URL + "/api/v2" + path, json=body, headers={"Authorization": f"Bearer {key}"})


def section_system_and_admin():
    c = client(KEY_A)
    check("heartbeat is nanoseconds", isinstance(c.heartbeat(), int) and c.heartbeat() > 1_600_000_000 * 10**9)
    check("get_version", c.get_version() == "1.0.0", c.get_version())
    identity = c.get_user_identity()
    check("identity from the key", (identity.user_id, identity.tenant, identity.databases) == ("acme", "default_tenant", ["default_database"]),
          repr(identity))
    header_client = client(KEY_A, header="X-Chroma-Token")
    check("X-Chroma-Token transport", header_client.list_collections() == [])
    cloud = chromadb.CloudClient(api_key=KEY_A, cloud_host=URL.hostname, cloud_port=URL.port, enable_ssl=False)
    check("CloudClient takes tenant and database from /auth/identity", (cloud.tenant, cloud.database) == ("default_tenant", "default_database"))
    raises("a wrong key is an AuthError", ChromaError, lambda: client("ck_wrong"))

    a = admin(KEY_A)
    a.create_tenant("acme-t")
    raises("duplicate tenant", UniqueConstraintError, lambda: a.create_tenant("acme-t"), "Tenant [acme-t] already exists")
    check("get_tenant", a.get_tenant("acme-t")["name"] == "acme-t")
    raises("missing tenant", NotFoundError, lambda: a.get_tenant("nope"), "Tenant [nope] not found")
    raises("short database name", InvalidArgumentError, lambda: a.create_database("kb", tenant="acme-t"),
           "Expected a name containing 3-512 characters from [a-zA-Z0-9._-], starting and ending with a character in [a-zA-Z0-9]. Got: kb")
    a.create_database("kbase", tenant="acme-t")
    a.create_database("other", tenant="acme-t")
    raises("duplicate database", UniqueConstraintError, lambda: a.create_database("kbase", tenant="acme-t"), "Database [kbase] already exists")
    database = a.get_database("kbase", tenant="acme-t")
    check("get_database", database["name"] == "kbase" and database["tenant"] == "acme-t" and len(str(database["id"])) == 36, repr(database))
    raises("missing database", NotFoundError, lambda: a.get_database("nope", tenant="acme-t"),
           "Database [nope] not found. Are you sure it exists?")
    check("list_databases in creation order", [d["name"] for d in a.list_databases(tenant="acme-t")] == ["kbase", "other"])
    check("list_databases offset", [d["name"] for d in a.list_databases(tenant="acme-t", limit=1, offset=1)] == ["other"])
    check("default_tenant has default_database", [d["name"] for d in a.list_databases(tenant="default_tenant")] == ["default_database"])
    raises("client for a missing tenant", NotFoundError, lambda: client(KEY_A, tenant="nope"))
    other = client(KEY_A, tenant="acme-t", database="other")
    other.create_collection("doomed", embedding_function=None).add(ids=["x"], embeddings=[[1.0, 2.0]])
    a.delete_database("other", tenant="acme-t")
    raises("deleted database", NotFoundError, lambda: a.get_database("other", tenant="acme-t"))
    raises("reset is refused", ChromaError, lambda: c.reset())


def section_collections_and_records():
    c = client(KEY_A, tenant="acme-t", database="kbase")
    docs = c.create_collection("docs", metadata={"hnsw:space": "cosine", "owner": "acme"}, embedding_function=None)
    check("collection id is a UUID", len(str(docs.id)) == 36)
    raises("duplicate collection", UniqueConstraintError, lambda: c.create_collection("docs", embedding_function=None),
           "Collection [docs] already exists")
    c.create_collection("docs_l2", configuration={"hnsw": {"space": "l2", "ef_construction": 100, "max_neighbors": 16}},
                        embedding_function=None)
    same = c.get_or_create_collection("docs", embedding_function=None)
    check("get_or_create returns the existing collection", same.id == docs.id and same.metadata == {"hnsw:space": "cosine", "owner": "acme"},
          repr(same.metadata))
    check("get_collection", c.get_collection("docs", embedding_function=None).id == docs.id)
    raises("missing collection", NotFoundError, lambda: c.get_collection("missing"), "Collection [missing] does not exist")
    check("list_collections in creation order", [x.name for x in c.list_collections()] == ["docs", "docs_l2"])
    check("list_collections limit/offset", [x.name for x in c.list_collections(limit=1, offset=1)] == ["docs_l2"])
    check("count_collections", c.count_collections() == 2)
    check("configuration space", docs.configuration_json["hnsw"]["space"] == "cosine", repr(docs.configuration_json))

    docs.add(ids=["a", "b", "c", "d"],
             embeddings=[[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
             metadatas=[{"src": "faq", "n": 1, "ok": True}, {"src": "web", "n": 2, "ok": False}, {"src": "file", "n": 3, "tags": ["x", "y"]}, None],
             documents=["refund policy is 30 days", "shipping takes 5 days", "we are open 9-5", None],
             uris=["u://a", None, None, None])
    docs.add(ids=["a"], embeddings=[[0.0, 1.0, 0.0]], metadatas=[{"src": "changed"}])
    raises("add with the wrong dimension", InvalidArgumentError, lambda: docs.add(ids=["z"], embeddings=[[1.0, 0.0]]),
           "Collection expecting embedding with dimension of 3, got 2")
    check("count", docs.count() == 4, docs.count())
    described = raw("GET", "/tenants/acme-t/databases/kbase/collections/docs", KEY_A).json()
    check("the first add fixes the dimension", described["dimension"] == 3 and raw(
        "GET", "/tenants/acme-t/databases/kbase/collections/docs_l2", KEY_A).json()["dimension"] is None, repr(described))

    got = docs.get(ids=["a", "b"])
    check("add of an existing id is ignored", got["metadatas"][0] == {"src": "faq", "n": 1, "ok": True}, repr(got["metadatas"]))
    check("get by ids", got["ids"] == ["a", "b"] and got["documents"] == ["refund policy is 30 days", "shipping takes 5 days"]
          and got["embeddings"] is None, repr(got))
    everything = docs.get(ids=["a", "d"], include=["embeddings", "metadatas", "documents", "uris"])
    check("include embeddings gives the vectors as sent (cosine)", close(list(everything["embeddings"][0]), [1.0, 0.0, 0.0]), repr(everything))
    check("include uris", everything["uris"] == ["u://a", None] and everything["metadatas"][1] is None and everything["documents"][1] is None,
          repr(everything))
    check("get where limit offset", docs.get(where={"src": "web"}, limit=1, offset=0, include=["metadatas"])["ids"] == ["b"])
    check("get where_document $contains", docs.get(where_document={"$contains": "days"})["ids"] == ["a", "b"])
    check("get where $and/$gte/$in",
          docs.get(where={"$and": [{"n": {"$gte": 2}}, {"src": {"$in": ["web", "file"]}}]})["ids"] == ["b", "c"])
    check("get where array $contains", docs.get(where={"tags": {"$contains": "x"}})["ids"] == ["c"])
    check("get where $ne matches missing keys", docs.get(where={"src": {"$ne": "faq"}})["ids"] == ["b", "c", "d"])
    check("get $or and $nin", docs.get(where={"$or": [{"n": {"$lt": 2}}, {"src": {"$nin": ["faq", "web"]}}]})["ids"] == ["a", "c", "d"])
    peek = docs.peek(2)
    check("peek", peek["ids"] == ["a", "b"] and close(list(peek["embeddings"][1]), [0.9, 0.1, 0.0]), repr(peek))
    check("get of unknown ids", docs.get(ids=["nope"])["ids"] == [])

    q = docs.query(query_embeddings=[[1.0, 0.0, 0.0]], n_results=2)
    check("query cosine distances", q["ids"] == [["a", "b"]] and close(q["distances"][0], [0.0, 1 - 0.9 / math.sqrt(0.82)]), repr(q))
    check("query returns documents and metadatas", q["documents"][0][0] == "refund policy is 30 days" and q["metadatas"][0][1]["src"] == "web")
    many = docs.query(query_embeddings=[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], n_results=10, include=["distances", "embeddings"])
    check("n_results above the count returns all, per query", [len(x) for x in many["ids"]] == [4, 4] and many["ids"][1][0] == "d", repr(many["ids"]))
    check("query include embeddings", close(list(many["embeddings"][1][0]), [0.0, 0.0, 1.0]))
    check("query where", docs.query(query_embeddings=[[1.0, 0.0, 0.0]], n_results=5, where={"src": "faq"})["ids"] == [["a"]])
    not_days = docs.query(query_embeddings=[[1.0, 0.0, 0.0]], n_results=5, where_document={"$not_contains": "days"}, include=["documents"])
    check("query where_document $not_contains", sorted(not_days["ids"][0]) == ["c", "d"] and not_days["distances"] is None, repr(not_days))
    subset = docs.query(query_embeddings=[[0.0, 0.0, 1.0]], ids=["c", "d"], n_results=5)
    check("query ids subset", subset["ids"] == [["d", "c"]] and close(subset["distances"][0], [0.0, 1.0]), repr(subset))
    nothing = docs.query(query_embeddings=[[1.0, 0.0, 0.0]], n_results=2, where={"src": "nope"})
    check("query matching nothing", nothing["ids"] == [[]] and nothing["documents"] == [[]], repr(nothing))
    raises("query with the wrong dimension", InvalidArgumentError, lambda: docs.query(query_embeddings=[[1.0, 0.0]], n_results=1),
           "Collection expecting embedding with dimension of 3, got 2")

    # Upsert and update merge metadata key by key; None removes a key; missing ids are ignored by update.
    docs.upsert(ids=["d", "e"], embeddings=[[0.0, 0.0, 1.0], [0.5, 0.5, 0.0]], metadatas=[{"k": 1, "j": 2}, {"src": "web", "n": 5}],
                documents=["contact us by email", "opening hours holidays"])
    docs.upsert(ids=["d"], embeddings=[[0.0, 0.0, 2.0]], metadatas=[{"k": 5}])
    after = docs.get(ids=["d"], include=["metadatas", "documents", "embeddings"])
    check("upsert merges metadata and keeps the document", after["metadatas"] == [{"j": 2, "k": 5}] and after["documents"] == ["contact us by email"]
          and close(list(after["embeddings"][0]), [0.0, 0.0, 2.0]), repr(after))
    docs.update(ids=["d", "nope"], metadatas=[{"z": 9, "j": None}, {"x": 1}])
    check("update merges and removes keys", docs.get(ids=["d"])["metadatas"] == [{"k": 5, "z": 9}], repr(docs.get(ids=["d"])))
    check("update of a missing id is ignored", docs.get(ids=["nope"])["ids"] == [] and docs.count() == 5)
    docs.update(ids=["b"], embeddings=[[0.0, 1.0, 0.0]], documents=["shipping takes 3 days"])
    updated = docs.get(ids=["b"], include=["metadatas", "documents", "embeddings"])
    check("update replaces embedding and document, keeps metadata",
          updated["documents"] == ["shipping takes 3 days"] and updated["metadatas"] == [{"src": "web", "n": 2, "ok": False}]
          and close(list(updated["embeddings"][0]), [0.0, 1.0, 0.0]), repr(updated))
    check("updated records keep their place", docs.get()["ids"] == ["a", "b", "c", "d", "e"], repr(docs.get()["ids"]))

    docs.delete(ids=["a", "nope"])
    check("delete by ids", docs.get(ids=["a"])["ids"] == [] and docs.count() == 4)
    check("delete by where", docs.get(where={"src": "web"})["ids"] == ["b", "e"])
    docs.delete(where={"src": "web"})
    check("count after deletes", docs.count() == 2, docs.count())
    check("remaining records", docs.get()["ids"] == ["c", "d"])

    docs.modify(name="docs2", metadata={"owner": "acme", "v": 2})
    renamed = c.get_collection("docs2", embedding_function=None)
    check("modify renames and replaces metadata", renamed.id == docs.id and renamed.metadata == {"owner": "acme", "v": 2}, repr(renamed.metadata))
    raises("the old name is gone", NotFoundError, lambda: c.get_collection("docs"))
    renamed.modify(configuration={"hnsw": {"ef_search": 50}})
    check("modify configuration", c.get_collection("docs2").configuration_json["hnsw"]["ef_search"] == 50)
    check("space unchanged by modify", c.get_collection("docs2").configuration_json["hnsw"]["space"] == "cosine")
    raises("renaming onto a taken name", UniqueConstraintError, lambda: renamed.modify(name="docs_l2"))
    c.delete_collection("docs2")
    raises("delete of a deleted collection", NotFoundError, lambda: c.delete_collection("docs2"), "Collection [docs2] does not exist")
    check("list after delete", [x.name for x in c.list_collections()] == ["docs_l2"])


def section_distances():
    c = client(KEY_A)
    expected = {"l2": ([0.0, 9.0], [1.0, 6.0]), "cosine": ([0.0, 1.0], [1 - 2 / 3, 1.0]), "ip": ([-8.0, 1.0], [-1.0, 1.0])}
    for space, (first, second) in expected.items():
        collection = c.create_collection(f"dist_{space}", metadata={"hnsw:space": space}, embedding_function=None)
        collection.add(ids=["o", "v"], embeddings=[[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]])
        one = collection.query(query_embeddings=[[1.0, 2.0, 2.0]], n_results=2, include=["distances"])
        two = collection.query(query_embeddings=[[0.0, 0.0, 1.0]], n_results=2, include=["distances"])
        check(f"{space} distances", close(one["distances"][0], first) and close(two["distances"][0], second),
              f"{one['ids']} {one['distances']} {two['ids']} {two['distances']}")
        check(f"{space} zero vector round trip", close(list(collection.get(ids=["o"], include=["embeddings"])["embeddings"][0]), [0.0, 0.0, 0.0]))
        c.delete_collection(f"dist_{space}")


def section_isolation():
    """Tenant B uses tenant A's Chroma names and ids: it sees and changes nothing of A's."""
    a = client(KEY_A)
    shared = a.create_collection("shared", embedding_function=None)
    shared.add(ids=["s1", "s2"], embeddings=[[1.0, 0.0], [0.0, 1.0]], documents=["secret one", "secret two"])
    b = client(KEY_B)
    raises("B cannot get A's collection by name", NotFoundError, lambda: b.get_collection("shared"))
    check("B lists none of A's collections", b.list_collections() == [] and b.count_collections() == 0)
    raises("B cannot open A's Chroma tenant", NotFoundError, lambda: client(KEY_B, tenant="acme-t", database="kbase"))
    raises("B cannot delete A's collection", NotFoundError, lambda: b.delete_collection("shared"))
    path = f"/tenants/default_tenant/databases/default_database/collections/{shared.id}"
    for operation, body in [("get", {"ids": ["s1"]}), ("query", {"query_embeddings": [[1.0, 0.0]], "n_results": 1}),
                            ("add", {"ids": ["b1"], "embeddings": [[1.0, 1.0]]}), ("upsert", {"ids": ["s1"], "embeddings": [[9.0, 9.0]]}),
                            ("update", {"ids": ["s1"], "documents": ["stolen"]}), ("delete", {"ids": ["s1", "s2"]})]:
        reply = raw("POST", f"{path}/{operation}", KEY_B, body)
        check(f"B's {operation} on A's collection id is 404", reply.status_code == 404 and reply.json()["error"] == "NotFoundError", reply.text)
    for method, suffix, body in [("GET", "/count", None), ("PUT", "", {"new_name": "taken"})]:
        reply = raw(method, path + suffix, KEY_B, body)
        check(f"B's {method} {suffix or 'modify'} on A's collection id is 404", reply.status_code == 404, reply.text)
    own = b.create_collection("shared", embedding_function=None)
    own.add(ids=["s1"], embeddings=[[5.0, 5.0, 5.0]], documents=["B's own"])
    check("B's collection of the same name is its own", own.id != shared.id and own.count() == 1)
    kept = a.get_collection("shared").get(include=["documents", "embeddings"])
    check("A's records are untouched", kept["ids"] == ["s1", "s2"] and kept["documents"] == ["secret one", "secret two"]
          and close(list(kept["embeddings"][0]), [1.0, 0.0]), repr(kept))
    check("A's collection keeps its name and count", a.get_collection("shared").count() == 2)


for section in [section_system_and_admin, section_collections_and_records, section_distances, section_isolation]:
    try:
        section()
    except Exception:  # noqa: BLE001 - an unexpected exception fails the section, with its traceback
        traceback.print_exc(file=sys.stdout)
        check(f"{section.__name__} ran to the end", False, "see the traceback above")

print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
