"""Real-browser test: JupyterLab in headless Chromium runs notebooks as a learner does (menu Run -> Run All Cells).

Usage: `python tools/browser_test.py [--out ci-artifacts]` (run by `.ci/run`; needs `pip install -r
requirements-lab.txt -r requirements-browser.txt` and `apt-get install chromium chromium-driver`).
It starts JupyterLab on 127.0.0.1 in smoke mode on a copy of the notebooks, opens 05 and 20, runs all cells, types a
Korean sentence into notebook 20's demo and clicks, and fails (exit 1) when a cell has an error or stderr output,
a widget shows a javascript error or does not render, the browser console logs a widget error, or the demo does not
answer. Screenshots go to --out. Exit 2 when Chromium or chromedriver is missing: never a silent pass.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from browser_session import chromium_driver, menu_command, wait_for

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ("05_dataloader.ipynb", "20_document_classification_inference.ipynb")
DEMO_SENTENCE = "배우들 연기가 정말 좋았고 음악도 훌륭했어요"
DEMO_EXAMPLE = "이 영화 정말 재밌어요 강추!"  # what the demo shows after Run All (the bad-input cell puts it back)
LAB_SETTINGS = {  # no news or update pop-ups over the screenshots; every cell rendered, not only those in view
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(work: Path, port: int, token: str) -> subprocess.Popen:
    """JupyterLab on 127.0.0.1:port over `work`/notebooks, smoke mode, its settings and runtime files in `work`."""
    settings = work / "lab-settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values), encoding="utf-8")
    env = {**os.environ, "NLPBOOK_SMOKE": "1", "NLPBOOK_OUTPUT_ROOT": str(work / "outputs"),
           "TOKENIZERS_PARALLELISM": "false", "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"), "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work / 'notebooks'}"]
    return subprocess.Popen(command, env=env, stdout=open(work / "jupyterlab.log", "w"), stderr=subprocess.STDOUT)


def api(base: str, token: str, path: str) -> object:
    """GET one Jupyter server REST endpoint as JSON."""
    request = urllib.request.Request(f"{base}/api/{path}", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def kernel_idle(base: str, token: str, name: str) -> bool:
    """True when the notebook `name` has a kernel and that kernel is idle."""
    return any(s["path"] == name and s["kernel"]["execution_state"] == "idle" for s in api(base, token, "sessions"))


def accept_kernel_dialog(driver) -> None:
    """Choose the proposed kernel if JupyterLab asks which kernel to start."""
    for button in driver.find_elements("css selector", ".jp-Dialog .jp-mod-accept"):
        button.click()


def run_all(driver, base: str, token: str, name: str, timeout: float) -> None:
    """Open a notebook, wait for its kernel, choose Run -> Run All Cells and wait until every cell has run."""
    driver.get(f"{base}/lab/tree/{name}?token={token}")
    wait_for(lambda: driver.find_elements("css selector", ".jp-NotebookPanel .jp-Cell"), 90, f"{name} to open")
    wait_for(lambda: accept_kernel_dialog(driver) or kernel_idle(base, token, name), 90, f"the kernel of {name} to start")
    menu_command(driver, "Run", ("Run All Cells",))

    panel = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt"
    waiting: list[str] = []

    def finished() -> bool:
        prompts = [p.get_attribute("textContent") for p in driver.find_elements("css selector", panel)]
        waiting[:] = [p for p in prompts if not p.strip("[]: ").isdigit()]
        return bool(prompts) and not waiting and kernel_idle(base, token, name)

    try:
        wait_for(finished, timeout, f"Run All of {name} to finish")
    except TimeoutError as err:
        raise TimeoutError(f"{err}; cells not run: {waiting}") from None
    menu_command(driver, "File", ("Save Notebook", "Save"))
    time.sleep(1)


def output_problems(base: str, token: str, name: str) -> list[str]:
    """Error outputs and stderr text of the saved notebook, one line each."""
    notebook = api(base, token, f"contents/{name}?content=1")["content"]
    problems = []
    for cell in notebook["cells"]:
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                problems.append(f"{name} {cell['id']}: {out['ename']}: {out['evalue']}")
            elif out["output_type"] == "stream" and out["name"] == "stderr":
                problems.append(f"{name} {cell['id']}: stderr: {''.join(out['text']).strip()[:300]}")
    return problems


def widget_problems(driver, name: str, shots: Path) -> list[str]:
    """Widgets that failed to render in the page (screenshot of the first), and widget errors in the console."""
    problems = []
    page = driver.find_element("css selector", ".jp-NotebookPanel:not(.lm-mod-hidden)").text
    for marker in ("javascript error", "Error displaying widget", "Loading widget..."):
        if marker in page:
            problems.append(f"{name}: a widget shows {marker!r}")
    broken = driver.find_elements("css selector", ".jupyter-widgets-error-widget, .jp-mod-error-widget")
    if broken:
        problems.append(f"{name}: {len(broken)} error widgets are shown")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", broken[-1])
        driver.save_screenshot(str(shots / f"{name[:2]}-widget-error.png"))
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE" and "widget" in e["message"].lower()]
    for message in dict.fromkeys(errors):
        problems.append(f"{name}: console ({errors.count(message)}x): {message[:300]}")
    return problems


def try_demo(driver, shots: Path) -> list[str]:
    """Notebook 20's demo: an empty text gets the Korean message, a Korean sentence gets a prediction."""
    from selenium.webdriver.common.keys import Keys

    demo = driver.find_element("xpath", "//div[contains(@class,'widget-vbox')][.//b[contains(., '문서 분류')]]")
    box = demo.find_element("css selector", "textarea")
    button = demo.find_element("xpath", ".//button[contains(., '예측하기')]")
    result = demo.find_elements("css selector", ".widget-html")[-1]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", demo)
    demo.screenshot(str(shots / "20-demo-after-run-all.png"))
    problems = []
    if box.get_attribute("value") != DEMO_EXAMPLE or "예측:" not in result.text:
        problems.append(f"demo: after Run All it shows {box.get_attribute('value')!r} -> {result.text[:120]!r}, "
                        f"not its example {DEMO_EXAMPLE!r} and a prediction")
    for text, expected in (("", "비어 있습니다"), (DEMO_SENTENCE, "예측:")):
        box.click()
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(Keys.BACKSPACE)
        if text:
            box.send_keys(text)
        button.click()
        try:
            wait_for(lambda: expected in result.text, 30, f"the demo to show {expected!r}")
        except TimeoutError as err:
            problems.append(f"demo: {err}; it shows {result.text[:200]!r}")
    if box.get_attribute("value") != DEMO_SENTENCE:
        problems.append(f"demo: the text box holds {box.get_attribute('value')!r}, not the typed sentence")
    if not any(label in result.text for label in ("긍정", "부정")):
        problems.append(f"demo: no label in the answer {result.text[:200]!r}")
    demo.screenshot(str(shots / "20-demo-answer.png"))
    driver.save_screenshot(str(shots / "20-after-demo.png"))
    return problems


def main() -> int:
    """Run the browser test; print every problem and the screenshots; 0 when there is none."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "ci-artifacts")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--timeout", type=float, default=240, help="seconds for the Run All of one notebook")
    args = parser.parse_args()
    for program in (args.chromium, args.chromedriver):
        if not shutil.which(program):
            print(f"브라우저 테스트를 할 수 없습니다: {program}이(가) 없습니다 (apt-get install chromium chromium-driver). "
                  f"browser test cannot run: {program} missing")
            return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.png"):
        old.unlink()
    work = Path(tempfile.mkdtemp(prefix="nlpbook-browser-"))
    shutil.copytree(ROOT / "notebooks", work / "notebooks", ignore=shutil.ignore_patterns("outputs", "data", ".*"))
    port, token = free_port(), os.urandom(12).hex()
    base = f"http://127.0.0.1:{port}"
    lab = start_lab(work, port, token)
    problems: list[str] = []
    driver = None
    try:
        wait_for(lambda: api(base, token, "status"), 60, "JupyterLab to start")
        driver = chromium_driver(args.chromium, args.chromedriver, work / "chromium-profile")
        for name in NOTEBOOKS:
            started = time.monotonic()
            run_all(driver, base, token, name, args.timeout)
            print(f"{name}: Run All finished in {time.monotonic() - started:.0f} s")
            problems += output_problems(base, token, name) + widget_problems(driver, name, args.out)
            driver.save_screenshot(str(args.out / f"{name[:2]}-run-all-end.png"))
            first = driver.find_element("css selector", ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell")
            driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", first)
            driver.save_screenshot(str(args.out / f"{name[:2]}-colab-cell-skipped.png"))
        problems += try_demo(driver, args.out) + widget_problems(driver, "demo", args.out)
    except Exception as err:  # report what was reached, with a screenshot of where it stopped
        problems.append(f"stopped: {type(err).__name__}: {err}")
        if driver:
            driver.save_screenshot(str(args.out / "stopped.png"))
    finally:
        if driver:
            driver.quit()
        lab.terminate()
        lab.wait(30)
        shutil.copy(work / "jupyterlab.log", args.out / "jupyterlab.log")
    print("screenshots:", *sorted(str(p.resolve()) for p in args.out.glob("*.png")), sep="\n  ")
    for problem in problems:
        print("FAIL", problem)
    print("browser test:", "FAILED" if problems else "passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
