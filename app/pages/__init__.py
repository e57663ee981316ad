"""Private pages: pages of chosen components for invited outside viewers (an enterprise
customer, partners, a region), each with its own audience in the comms workflow."""
