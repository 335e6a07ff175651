"""Policy as data: rule values per region and date, layered national < province < county.

The core (`settings`, `national`, `validation`, `resolution`, `calendar`) is pure Python; the
projection other services keep of the policy topic lives in `projection`. Each setting's default
and the seed it comes from are in `national`, its rules in `validation` (`elimination_schedule`,
for one: the months and days of quarterly risk elimination, seed 001).
"""
