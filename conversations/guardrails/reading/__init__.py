"""What the detector reads a message with: word rules (`rules` says how they are written and
applied; `crisis` and `asking` hold them) and sentences written for each kind of concern and
for ordinary grief talk (`prototypes`), compared by meaning with the project's local embedding
model (`similarity`). `dev/` holds the development sets they were tuned on (bench/README.md,
"safety_eval.py")."""
