"""The sandbox: student code runs in a separate, limited worker process."""
