"""A small prediction API: the iris classifier behind FastAPI.

    GET  /health   -> 200 {"status": "healthy"}
    POST /predict  {"features": [5.1, 3.5, 1.4, 0.2]}
                   -> 200 {"prediction": "setosa", "confidence": 0.98}
                   -> 422 when the number of features is wrong
"""

import os
from pathlib import Path

import joblib
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

MODEL_PATH = Path(os.environ.get("MODEL_PATH", Path(__file__).parent.parent / "model" / "model.joblib"))

bundle = joblib.load(MODEL_PATH)
model = bundle["model"]
CLASSES: list[str] = bundle["classes"]
FEATURES: list[str] = bundle["features"]

app = FastAPI(title="Iris classifier")


class PredictRequest(BaseModel):
    features: list[float] = Field(description="One measurement per feature, in the model's order.")


class PredictResponse(BaseModel):
    prediction: str
    confidence: float


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
    return PredictResponse(prediction=CLASSES[best], confidence=round(float(probabilities[best]), 4))
