"""The iris prediction API, ready to operate: health, readiness and Prometheus metrics.

    GET  /health   -> 200 {"status": "healthy"}            liveness: the process answers
    GET  /ready    -> 200 {"status": "ready", ...}         readiness: the model is loaded
    GET  /metrics  -> Prometheus text format               what a scraper collects
    POST /predict  {"features": [5.1, 3.5, 1.4, 0.2]}
                   -> 200 {"prediction": "setosa", "confidence": 0.98}
                   -> 422 when the number of features is wrong, a feature is not
                      a finite number (NaN, Infinity) or the body is malformed

Configuration comes from the environment: MODEL_PATH, MODEL_VERSION, and
SIMULATED_LATENCY_SECONDS (0 by default), which holds every prediction back
that long so you can watch the latency histogram move, or see a request in
flight survive `docker stop`.
"""

import os
import time
from pathlib import Path
from typing import Annotated

import joblib
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from pydantic import BaseModel, Field

MODEL_PATH = Path(
    os.environ.get("MODEL_PATH", Path(__file__).parent.parent / "model" / "model.joblib")
)
MODEL_VERSION = os.environ.get("MODEL_VERSION", "dev")
SIMULATED_LATENCY = float(os.environ.get("SIMULATED_LATENCY_SECONDS", "0"))

bundle = joblib.load(MODEL_PATH)
model = bundle["model"]
CLASSES: list[str] = bundle["classes"]
FEATURES: list[str] = bundle["features"]

# --- metrics: service signals, then model signals --------------------------------
REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
IN_FLIGHT = Gauge("http_requests_in_flight", "HTTP requests being answered right now")
PREDICTIONS = Counter("model_predictions_total", "Predictions made, by class", ["prediction"])
CONFIDENCE = Histogram(
    "model_prediction_confidence",
    "Probability of the predicted class",
    buckets=(0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0),
)
FEATURE_VALUES = Histogram(
    "model_feature_value",
    "Values of each input feature, to compare with the training data",
    ["feature"],
    buckets=(0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0),
)
MODEL_INFO = Gauge("model_info", "The model this process serves (always 1)", ["version"])
MODEL_INFO.labels(version=MODEL_VERSION).set(1)

app = FastAPI(title="Iris classifier")


@app.middleware("http")
async def measure(request: Request, call_next):
    """Count and time every request, labelled by route template (never the raw URL)."""
    started = time.perf_counter()
    IN_FLIGHT.inc()
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
        return response
    finally:
        IN_FLIGHT.dec()
        route = getattr(request.scope.get("route"), "path", "unmatched")
        LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, route, str(status)).inc()


# A finite number: Python's JSON parser accepts the literals NaN and Infinity.
Feature = Annotated[float, Field(allow_inf_nan=False)]


class PredictRequest(BaseModel):
    features: list[Feature] = Field(
        description="One finite measurement per feature, in the model's order."
    )


class PredictResponse(BaseModel):
    prediction: str
    confidence: float


@app.exception_handler(RequestValidationError)
async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """422 saying what is wrong and where, without echoing the input (a NaN is not valid JSON)."""
    problems = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]
    return JSONResponse(status_code=422, content={"detail": problems})


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness: depends on nothing else, so a slow dependency never restarts the service."""
    return {"status": "healthy"}


@app.get("/ready")
def ready(response: Response) -> dict[str, str]:
    """Readiness: the model is in memory, so traffic may be sent here."""
    if model is None:
        response.status_code = 503
        return {"status": "loading"}
    return {"status": "ready", "model_version": MODEL_VERSION}


@app.get("/metrics")
def metrics() -> Response:
    """Every metric above in the Prometheus text format."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@app.post("/predict")
def predict(request: PredictRequest) -> PredictResponse:
    if len(request.features) != len(FEATURES):
        raise HTTPException(
            status_code=422,
            detail=(
                f"expected {len(FEATURES)} features ({', '.join(FEATURES)}), "
                f"got {len(request.features)}"
            ),
        )
    if SIMULATED_LATENCY:
        time.sleep(SIMULATED_LATENCY)  # a stand-in for a slow model
    for name, value in zip(FEATURES, request.features, strict=True):
        FEATURE_VALUES.labels(name).observe(value)
    probabilities = model.predict_proba([request.features])[0]
    best = int(probabilities.argmax())
    confidence = round(float(probabilities[best]), 4)
    PREDICTIONS.labels(CLASSES[best]).inc()
    CONFIDENCE.observe(confidence)
    return PredictResponse(prediction=CLASSES[best], confidence=confidence)
