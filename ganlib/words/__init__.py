"""The words a user reads: the only place that turns states and numbers into sentences (describe), the Theory
lab's texts and the alarms' texts. Torch-free."""
