"""The pieces of tools/loadrun (the command and its options stay in tools/loadrun):

  scenarios  what edfgen sends and how edfpipe runs in each scenario; the spin model's capacity
  run        the processes: edfgen and edfpipe (or testpmd) over net_memif, in the safe order;
             a scenario; the policy comparison (overload once per policy); the throughput bisection
  analyse    both sides' accounting, per-class summary rows, CPU-stall attribution of deadline
             misses, the targets, the zero-loss rule, and the printed reports
  plot       latency CDF and timeline plots, the policies' comparison (python3-matplotlib)
"""
