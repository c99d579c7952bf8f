"""A small prediction API: the iris classifier behind FastAPI.

    GET  /health   -> 200 {"status": "healthy"}
    POST /predict  {"features": [5.1, 3.5, 1.4, 0.2]}
                   -> 200 {"prediction": "setosa", "confidence": 0.98}
                   -> 422 when the number of features is wrong, a feature is not
                      a finite number (NaN, Infinity) or the body is malformed
"""

import os
from pathlib import Path
from typing import Annotated

import joblib
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

MODEL_PATH = Path(
    os.environ.get("MODEL_PATH", Path(__file__).parent.parent / "model" / "model.joblib")
)

bundle = joblib.load(MODEL_PATH)
model = bundle["model"]
CLASSES: list[str] = bundle["classes"]
FEATURES: list[str] = bundle["features"]

app = FastAPI(title="Iris classifier")

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
    return {"status": "healthy"}


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
    probabilities = model.predict_proba([request.features])[0]
    best = int(probabilities.argmax())
    return PredictResponse(
        prediction=CLASSES[best], confidence=round(float(probabilities[best]), 4)
    )
