"""OpenAPI 3.1 document of the HTTP API (served at /openapi.json)."""

from __future__ import annotations

from auskunft.chat.schemas import ChatAnswer
from auskunft.models import Citation, IndexVersion, Source

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "request_id"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "request_id": {"type": "string"},
            },
        }
    },
}


def _json(schema: dict | str, description: str = "OK") -> dict:
    ref = {"$ref": f"#/components/schemas/{schema}"} if isinstance(schema, str) else schema
    return {"description": description, "content": {"application/json": {"schema": ref}}}


ERRORS = {
    "400": _json("Error", "invalid request"),
    "413": _json("Error", "body too large"),
    "415": _json("Error", "Content-Type is not application/json"),
    "429": {**_json("Error", "rate limited"), "headers": {"Retry-After": {"schema": {"type": "integer"}}}},
    "500": _json("Error", "server error"),
    "503": {
        **_json("Error", "busy: the search queue is full (code busy)"),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}
ADMIN_ERRORS = {"401": _json("Error", "missing or wrong admin token"), **ERRORS}
ADMIN = [{"bearerAuth": []}]

OPENAPI: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "auskunft API",
        "version": "0.1.0",
        "description": "Chat over an organisation's website and documents, with citations.",
    },
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": ERROR,
            "ChatRequest": {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "message": {"type": "string", "minLength": 1, "maxLength": 2000},
                    "session_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                    "sources": {"type": "array", "items": {"type": "string"}},
                    "lang": {"type": "string", "enum": ["de", "en"]},
                },
            },
            "ChatAnswer": ChatAnswer.model_json_schema(ref_template="#/components/schemas/{model}"),
            "Citation": Citation.model_json_schema(),
            "Feedback": {
                "type": "object",
                "required": ["answer_id", "rating"],
                "properties": {
                    "answer_id": {"type": "string"},
                    "rating": {"type": "string", "enum": ["up", "down"]},
                    "comment": {"type": "string", "maxLength": 2000},
                },
            },
            "Source": Source.model_json_schema(),
            "IndexVersion": IndexVersion.model_json_schema(ref_template="#/components/schemas/{model}"),
            "IndexConfig": IndexVersion.model_json_schema()["$defs"]["IndexConfig"],
        },
    },
    "paths": {
        "/api/chat": {
            "post": {
                "summary": "Ask a question; server-sent events by default",
                "description": "Events: meta {session_id, answer_id, mode, link_hosts}, sources {sources: Citation[]}, "
                "token {text}*, done (ChatAnswer without contexts) or error {code, message}, or busy {code, "
                "message, retry_after_s} when the search queue filled up. `?stream=false` returns the ChatAnswer "
                "as JSON. Bodies must be application/json; links in answers point only at the answer's sources "
                "or allowed hosts.",
                "parameters": [
                    {"name": "stream", "in": "query", "schema": {"type": "boolean", "default": True}}
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatRequest"}}},
                },
                "responses": {
                    "200": {
                        "description": "event stream or JSON",
                        "content": {
                            "text/event-stream": {"schema": {"type": "string"}},
                            "application/json": {"schema": {"$ref": "#/components/schemas/ChatAnswer"}},
                        },
                    },
                    **ERRORS,
                },
            }
        },
        "/api/feedback": {
            "post": {
                "summary": "Thumbs up/down (and a comment) for an answer",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feedback"}}},
                },
                "responses": {
                    "200": _json({"type": "object", "properties": {"ok": {"type": "boolean"}}}),
                    **ERRORS,
                },
            }
        },
        "/v1/chat/completions": {
            "post": {
                "summary": "OpenAI-compatible chat completions (stream or not)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["messages"],
                                "properties": {
                                    "model": {"type": "string"},
                                    "stream": {"type": "boolean"},
                                    "messages": {"type": "array", "items": {"type": "object"}},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {"description": "chat.completion or chat.completion.chunk stream"},
                    **ERRORS,
                },
            }
        },
        "/v1/models": {
            "get": {"summary": "Model list (OpenAI-compatible)", "responses": {"200": {"description": "OK"}}}
        },
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "alive"}}}},
        "/readyz": {
            "get": {
                "summary": "Readiness: Qdrant, Redis, LLM",
                "responses": {"200": {"description": "ready"}, "503": {"description": "not ready"}},
            }
        },
        "/widget.js": {
            "get": {"summary": "The embeddable widget", "responses": {"200": {"description": "JavaScript"}}}
        },
        "/demo": {
            "get": {
                "summary": "Demo page embedding the widget",
                "responses": {"200": {"description": "HTML"}},
            }
        },
        "/api/admin/sources": {
            "get": {
                "summary": "List sources",
                "security": ADMIN,
                "responses": {"200": {"description": "OK"}, **ADMIN_ERRORS},
            },
            "post": {
                "summary": "Add a source",
                "security": ADMIN,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Source"}}},
                },
                "responses": {"201": {"description": "created"}, **ADMIN_ERRORS},
            },
        },
        "/api/admin/sources/{name}": {
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "put": {
                "summary": "Replace a source",
                "security": ADMIN,
                "responses": {"200": {"description": "OK"}, **ADMIN_ERRORS},
            },
            "delete": {
                "summary": "Delete a source",
                "security": ADMIN,
                "responses": {"200": {"description": "OK"}, **ADMIN_ERRORS},
            },
        },
        "/api/admin/sources/{name}/crawl": {
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "post": {
                "summary": "Start the ingestion flow for a source",
                "security": ADMIN,
                "responses": {
                    "202": {"description": "started"},
                    "409": _json("Error", "local storage busy"),
                    **ADMIN_ERRORS,
                },
            },
        },
        "/api/admin/index/versions": {
            "get": {
                "summary": "Index versions",
                "security": ADMIN,
                "responses": {"200": {"description": "OK"}, **ADMIN_ERRORS},
            }
        },
        "/api/admin/index/promote/{version}": {
            "parameters": [
                {"name": "version", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "post": {
                "summary": "Make a version live (atomic alias switch)",
                "security": ADMIN,
                "responses": {"200": {"description": "OK"}, **ADMIN_ERRORS},
            },
        },
        "/api/admin/index/rollback": {
            "post": {
                "summary": "Switch back to the previously live version",
                "security": ADMIN,
                "responses": {"200": {"description": "OK"}, **ADMIN_ERRORS},
            }
        },
    },
}
