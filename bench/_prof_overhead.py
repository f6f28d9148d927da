import asyncio, cProfile, pstats, sys, threading, time
from benchdb import bench_setup
import convbench
from convbench import fast_provider_install, memorial_with_passages, visitor_add

prof_lock = threading.Lock()
stats = None

def replies_in_pool_prof(threads=8):
    from concurrent.futures import ThreadPoolExecutor
    from django.db import connection
    from conversations.tasks import REPLY_TASKS
    pool = ThreadPoolExecutor(max_workers=threads)
    def runner(task):
        def run(kwargs, task_id):
            global stats
            p = cProfile.Profile()
            p.enable()
            try:
                task.apply(kwargs=kwargs, task_id=task_id)
            finally:
                p.disable()
                connection.close()
                with prof_lock:
                    if stats is None:
                        stats = pstats.Stats(p)
                    else:
                        stats.add(p)
        def apply_async(kwargs=None, task_id=None, **_):
            pool.submit(run, kwargs or {}, task_id)
        return apply_async
    for task in REPLY_TASKS.values():
        task.apply_async = runner(task)
    return pool

bench_setup("legacy_bench_prof")
fast_provider_install()
pool = replies_in_pool_prof()
from corpus.embeddings import embed_query
memorial = memorial_with_passages(int(sys.argv[1]))
_, cookie = visitor_add(memorial, memories=200)
embed_query("warm")
import conversation_overhead
timings = asyncio.run(conversation_overhead.measure(memorial.id, cookie, int(sys.argv[2])))
pool.shutdown(wait=True)
import statistics
print("p50", statistics.median(timings))
stats.sort_stats("cumulative").print_stats(60)
