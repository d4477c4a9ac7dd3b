"""Goals and key results computed from the data, tasks, the 重要紧急 board and the 今日 agenda."""
