"""Load generator, baseline server and report for the workshop app; see bench/README.md."""
