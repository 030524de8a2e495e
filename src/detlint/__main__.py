from detlint.cli import main

main()
