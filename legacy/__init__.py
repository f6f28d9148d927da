import os

# numpy's OpenBLAS starts a thread per core and, after each product (a query's rotation, the
# memories' and the guardrails' cosines: small matrices), keeps those threads spinning for a
# while before they sleep. On the 2 cores of a small server that spinning took most of a core
# from Postgres and the reply's own work (bench/README.md, conversation_overhead.py, Session 11).
# One thread: the products here are too small to gain from more. Set before numpy loads (this
# package is imported first by manage.py, the ASGI app, Celery and the tests); an operator's
# own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from legacy.celery import app as celery_app

__all__ = ["celery_app"]
