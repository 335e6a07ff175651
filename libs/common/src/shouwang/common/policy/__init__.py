"""Policy as data: rule values per region and date, layered national < province < county.

The core (`settings`, `national`, `validation`, `resolution`, `calendar`) is pure Python; the
projection other services keep of the policy topic lives in `projection`.
"""
