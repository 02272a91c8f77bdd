# A torch.distributed rank (Debian's python3-torch 1.13) in the same Gloo group as node-peft
# ranks: the same collectives as workers/interop.js, results as one JSON line.
import json, os, sys
from datetime import timedelta
import torch
import torch.distributed as dist

dist.init_process_group('gloo', init_method='env://', timeout=timedelta(seconds=60))
rank, world = dist.get_rank(), dist.get_world_size()
t = torch.tensor([rank + 1.0, 10.0 * (rank + 1)])
dist.all_reduce(t)
b = torch.tensor([float(rank), float(rank)])
dist.broadcast(b, src=world - 1)
parts = [torch.zeros(2) for _ in range(world)]
dist.all_gather(parts, torch.tensor([float(rank), 100.0 - rank]))
dist.barrier()
print(json.dumps({'rank': rank, 'impl': 'torch ' + torch.__version__, 'sum': t.tolist(), 'broadcast': b.tolist(), 'allGather': [p.tolist() for p in parts]}), flush=True)
dist.destroy_process_group()
