from chorectl.cli import main

main()
