"""The roadmap: ideas in plan and execute by horizon (now / next / later), and recent releases."""
