"""The templates' compiled-code cache: used when it can be, harmless when not."""

from __future__ import annotations

import jinja2

from derive.support import templating


def _environment(cache, folder):
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)), bytecode_cache=cache, autoescape=False
    )


def test_a_compiled_template_is_kept_and_an_edited_one_compiled_again(tmp_path):
    folder, store = tmp_path / "templates", tmp_path / "cache"
    folder.mkdir(), store.mkdir()
    (folder / "t.j2").write_text("{{ x }} apples")
    cache = templating._QuietBytecodeCache(str(store), pattern="derive-test-%s.cache")
    assert _environment(cache, folder).get_template("t.j2").render(x=2) == "2 apples"
    assert len(list(store.iterdir())) == 1
    (folder / "t.j2").write_text("{{ x }} pears")  # a fresh environment, as a new run has
    assert _environment(cache, folder).get_template("t.j2").render(x=3) == "3 pears"


def test_a_cache_in_a_folder_that_is_gone_is_skipped(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "t.j2").write_text("{{ x }} apples")
    cache = templating._QuietBytecodeCache(str(tmp_path / "missing"))
    assert _environment(cache, folder).get_template("t.j2").render(x=2) == "2 apples"


def test_the_programs_environments_use_the_cache():
    assert isinstance(templating.environment().bytecode_cache, templating._QuietBytecodeCache)
    assert isinstance(templating.latex_environment().bytecode_cache, templating._QuietBytecodeCache)
