//! The OpenAPI 3.0 description served at `GET /openapi.json`.

use serde_json::{Value, json};

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

fn overloaded() -> Value {
    json!({
        "description": "Every worker is busy and the queue is full.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

fn upload_errors() -> Value {
    json!({
        "400": problem("Bad query parameter, or the upload was interrupted."),
        "408": problem("The client paused longer than the slow-client limit while sending the body."),
        "413": problem("The body exceeds --max-body."),
        "415": problem("Not audio, an unsupported container or codec, or no audio track (kind: unsupported_format, unsupported_codec, no_audio_track)."),
        "422": problem("Recognised but undecodable (kind: decode, invalid_stream, empty)."),
        "503": overloaded(),
        "504": problem("The analysis exceeded --timeout (kind: timeout).")
    })
}

fn name_param() -> Value {
    json!({
        "name": "name", "in": "query", "required": false,
        "description": "Label of the upload: the record's `path` and a format hint by its extension. Never used as a path on the server.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 1024, "default": "upload"}
    })
}

fn audio_body() -> Value {
    json!({
        "required": true,
        "description": "The audio file's bytes (any container leitmotif reads: WAV, AIFF, CAF, FLAC, MP3, MP2, AAC/ADTS, MP4/M4A, Ogg Vorbis/Opus/FLAC, Matroska/WebM).",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    })
}

/// The OpenAPI document of the service.
pub(crate) fn document() -> Value {
    let mut analyze_responses = upload_errors();
    analyze_responses["200"] = json!({
        "description": "The track's record (as `leitmotif extract` writes it), or with `frames=1` the per-frame matrices as an NPZ archive.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Record"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
        }
    });
    let mut similar_responses = upload_errors();
    similar_responses["200"] = json!({
        "description": "The k nearest indexed tracks, nearest first.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Neighbors"}}}
    });
    similar_responses["404"] = problem("The service was started without --index (kind: no_index).");
    similar_responses["422"] = problem(
        "Undecodable audio, or a vector of another schema (kind: decode, invalid_stream, empty, schema).",
    );
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "leitmotif serve",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Music feature extraction as a service: post an audio file, get its feature record."
        },
        "paths": {
            "/v1/analyze": {"post": {
                "operationId": "analyze",
                "summary": "Analyse one uploaded audio file.",
                "parameters": [
                    name_param(),
                    {"name": "frames", "in": "query", "required": false,
                     "description": "1 or true: answer with the per-frame matrices as NPZ instead of the JSON record.",
                     "schema": {"type": "string", "enum": ["0", "1", "true", "false"]}}
                ],
                "requestBody": audio_body(),
                "responses": analyze_responses
            }},
            "/v1/similar": {"post": {
                "operationId": "similar",
                "summary": "The nearest tracks of the --index to an uploaded file or a posted feature vector.",
                "parameters": [
                    name_param(),
                    {"name": "k", "in": "query", "required": false, "description": "Number of neighbours.",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10}}
                ],
                "requestBody": {
                    "required": true,
                    "content": {
                        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                        "application/json": {"schema": {"$ref": "#/components/schemas/Vector"}}
                    }
                },
                "responses": similar_responses
            }},
            "/healthz": {"get": {
                "operationId": "healthz", "summary": "Liveness.",
                "responses": {"200": {"description": "The process is up.",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}
            }},
            "/readyz": {"get": {
                "operationId": "readyz", "summary": "Readiness: up, not shutting down, and a request would be admitted now.",
                "responses": {
                    "200": {"description": "Ready.", "content": {"application/json": {"schema": {"type": "object"}}}},
                    "503": overloaded()
                }
            }},
            "/metrics": {"get": {
                "operationId": "metrics", "summary": "Prometheus text exposition.",
                "responses": {"200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}}}
            }},
            "/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document.",
                "responses": {"200": {"description": "OpenAPI 3.0 document.", "content": {"application/json": {"schema": {"type": "object"}}}}}
            }}
        },
        "components": {"schemas": {
            "Problem": {
                "type": "object",
                "description": "RFC 9457 problem details; `kind` is the record's error.kind or a service kind.",
                "required": ["type", "title", "status", "detail", "kind"],
                "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"},
                    "status": {"type": "integer"}, "detail": {"type": "string"}, "kind": {"type": "string"}
                }
            },
            "Record": {
                "type": "object",
                "description": "One track's record: path, duration_s, source, analysis, warnings, features, vector (see `leitmotif schema`).",
                "required": ["path", "duration_s", "source", "analysis", "features", "vector"],
                "properties": {
                    "path": {"type": "string"}, "duration_s": {"type": "number"},
                    "source": {"type": "object"}, "analysis": {"type": "object"},
                    "warnings": {"type": "array", "items": {"type": "string"}},
                    "features": {"type": "object"}, "vector": {"$ref": "#/components/schemas/Vector"}
                }
            },
            "Vector": {
                "type": "object",
                "description": "A feature vector as in a record's `vector` field.",
                "required": ["version", "values"],
                "properties": {
                    "version": {"type": "integer"},
                    "values": {"type": "array", "items": {"type": "number"}}
                }
            },
            "Neighbors": {
                "type": "object",
                "required": ["query", "neighbors"],
                "properties": {
                    "query": {"type": "string"},
                    "neighbors": {"type": "array", "items": {
                        "type": "object", "required": ["path", "distance"],
                        "properties": {"path": {"type": "string"}, "distance": {"type": "number"}}
                    }}
                }
            }
        }}
    })
}
