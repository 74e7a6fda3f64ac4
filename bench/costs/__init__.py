"""What the stack costs to run: monthly AWS cost and SuperOffice load per tenant count.

`python -m bench.costs` (`make costs`) computes both from what `make bench` measured
(`bench/results/*.json`), what `template.yaml` configures, a dated table of AWS prices for
eu-west-1 (`prices.py`) and labelled assumptions for what no benchmark measures
(`assumptions.py`); `--write` regenerates `docs/operating-costs.md`, which a unit test
keeps equal to what the script writes.
"""
