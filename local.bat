@echo off
rem Serves Trustero on http://localhost:9000/index.htm
cd /d "%~dp0"
where cargo >nul 2>nul
if %errorlevel%==0 (
  cargo run --release -p builder -- serve %*
) else (
  echo Rust not found: serving the committed dist/ with Python instead.
  echo Open http://localhost:9000/index.htm
  python -m http.server 9000 --bind 127.0.0.1 --directory dist
)
