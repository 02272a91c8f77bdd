# Regenerates the torch.save files of test/io (torch 1.13.1): `python3 make_bins.py`.
# The tests read the committed outputs, so CI needs no Python.
import collections, json, os, torch

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)
dtypes = {'float32': torch.float32, 'float16': torch.float16, 'bfloat16': torch.bfloat16, 'float64': torch.float64,
          'int64': torch.int64, 'int32': torch.int32, 'int16': torch.int16, 'int8': torch.int8, 'uint8': torch.uint8, 'bool': torch.bool}
sd = {}
for name, dt in dtypes.items():
    sd['dtype.' + name] = (torch.arange(12) % 7 - 2).reshape(3, 4).to(dt) if dt != torch.bool else torch.arange(12).reshape(3, 4) % 3 == 0
sd['dtype.float32'] = torch.randn(3, 4)
sd['dtype.int64'][0, 0] = -2**62
base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
sd['view.base'] = base
sd['view.row'] = base[1]            # storage offset 6
sd['view.transposed'] = base.t()    # strides (1, 6)
sd['view.slice'] = base[:, 2:5]     # offset 2, strides (6, 1)
sd['tied.a'] = torch.randn(5)
sd['tied.b'] = sd['tied.a']
sd['scalar'] = torch.tensor(3.5)
sd['empty'] = torch.zeros(0, 3)
sd['parameter'] = torch.nn.Parameter(torch.ones(2, 2))
torch.save(sd, os.path.join(here, 'dtypes_views.bin'))

expected = {k: {'dtype': str(v.dtype).replace('torch.', ''), 'shape': list(v.shape), 'stride': list(v.stride()),
                'offset': v.storage_offset(), 'values': v.detach().float().flatten().tolist() if v.dtype != torch.int64 else [str(x) for x in v.flatten().tolist()]}
            for k, v in sd.items()}
linear = torch.nn.Sequential(collections.OrderedDict(fc=torch.nn.Linear(3, 2), norm=torch.nn.LayerNorm(2)))
state = linear.state_dict()  # an OrderedDict carrying _metadata: pickled with BUILD
torch.save(state, os.path.join(here, 'module_state.bin'))
expected_module = {k: v.flatten().tolist() for k, v in state.items()}
with open(os.path.join(here, 'expected.json'), 'w') as f:
    json.dump({'dtypes_views': expected, 'module_state': expected_module}, f, indent=1)
