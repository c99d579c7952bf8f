"""Train the iris classifier and save it next to the app.

Run at image build time (``RUN python train.py``), so the saved model always
matches the scikit-learn version installed in the image.
"""

from pathlib import Path

import joblib
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

MODEL_PATH = Path(__file__).parent / "model" / "model.joblib"


def train(path: Path = MODEL_PATH) -> Path:
    iris = load_iris()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    model.fit(iris.data, iris.target)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(
        {
            "model": model,
            "classes": [str(name) for name in iris.target_names],
            "features": list(iris.feature_names),
        },
        path,
    )
    return path


if __name__ == "__main__":
    print(f"model saved to {train()}")
