"""Pipeline state where people look (issue 6, item 7): the "Xử lí tệp" and "Phiên bản tệp" panels of
a material's edit view, and "Xử lí lại" for one kind of work (hoclieu_pipeline:reprocess)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from lxml import html

from repository.models import Derivative, DerivativeKind, DerivativeStatus
from repository.models.materials import ProcessingStatus
from repository.pipeline import processing_steps


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def processing_rows(response):
    tree = html.fromstring(response.content.decode())
    return {row.get("data-kind"): row for row in tree.xpath("//table[@data-hoclieu-processing]/tbody/tr")}


def reprocess_button(row):
    buttons = row.xpath(".//button[@data-reprocess]")
    return buttons[0] if buttons else None


@pytest.fixture
def pdf_material(make_material):
    return make_material("pdf/scotus-transcript-p1.pdf")


def test_processing_steps_follow_the_probe(pdf_material, make_material):
    steps = processing_steps(pdf_material.file)
    kinds = [kind for kind, _d in steps]
    assert kinds == [DerivativeKind.PROBE, DerivativeKind.TEXT, DerivativeKind.THUMBNAIL,
                     DerivativeKind.PAGE_PREVIEWS]
    assert all(d is not None and d.status == DerivativeStatus.DONE for _k, d in steps)
    audio = make_material("audio/spk1_snt1.wav", material_type="audiobook")
    assert [kind for kind, _d in processing_steps(audio.file)] == [
        DerivativeKind.PROBE, DerivativeKind.AUDIO_RENDITION, DerivativeKind.CHAPTERS,
    ]


def test_edit_view_shows_each_kind_with_state_and_versions(client, school, pdf_material):
    client.force_login(school["teacher"])
    response = client.get(edit_url(pdf_material))
    assert response.status_code == 200
    rows = processing_rows(response)
    assert list(rows) == ["probe", "text", "thumbnail", "page_previews"]
    for kind, row in rows.items():
        assert row.get("data-status") == "done"
        assert "100%" in row.text_content()
        button = reprocess_button(row)
        assert button is not None and button.get("formmethod") == "post"
        assert button.get("formaction").startswith(
            reverse("hoclieu_pipeline:reprocess", args=[pdf_material.file.pk, kind])
        )
    versions = html.fromstring(response.content.decode()).xpath("//table[@data-hoclieu-versions]/tbody/tr")
    assert len(versions) == 1 and versions[0].get("data-live") is not None
    assert pdf_material.file.sha256 in versions[0].text_content()


def test_failed_kind_shows_its_error(client, school, make_material):
    page = make_material("broken/invalid.pdf", publish=False)
    assert page.file.processing_status == ProcessingStatus.FAILED
    client.force_login(school["librarian"])
    rows = processing_rows(client.get(edit_url(page)))
    assert rows["probe"].get("data-status") == "failed"
    error = Derivative.objects.get(material_file=page.file, kind="probe").error
    assert error and error in rows["probe"].text_content()
    assert reprocess_button(rows["probe"]) is not None


def test_reprocess_button_runs_that_kind_only(
    client, school, pdf_material, django_capture_on_commit_callbacks
):
    client.force_login(school["teacher"])
    rows = processing_rows(client.get(edit_url(pdf_material)))
    action = reprocess_button(rows["text"]).get("formaction")
    before = {d.kind: (d.pk, d.attempts) for d in Derivative.objects.filter(material_file=pdf_material.file)}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action, {"title": "ignored: the edit form's fields ride along"})
    assert response.status_code == 302 and response["Location"] == edit_url(pdf_material)
    after = {d.kind: (d.pk, d.attempts) for d in Derivative.objects.filter(material_file=pdf_material.file)}
    assert after["text"] == (before["text"][0], before["text"][1] + 1)  # same record, ran again
    assert after["probe"] == before["probe"] and after["thumbnail"] == before["thumbnail"]
    assert Derivative.objects.get(pk=after["text"][0]).status == DerivativeStatus.DONE
    pdf_material.refresh_from_db()
    assert pdf_material.title != "ignored: the edit form's fields ride along"


def test_running_kind_has_no_button_and_is_left_alone(client, school, pdf_material):
    Derivative.objects.filter(material_file=pdf_material.file, kind="text").update(
        status=DerivativeStatus.RUNNING, progress=40
    )
    client.force_login(school["librarian"])
    rows = processing_rows(client.get(edit_url(pdf_material)))
    assert rows["text"].get("data-status") == "running"
    assert "40%" in rows["text"].text_content()
    assert reprocess_button(rows["text"]) is None
    url = reverse("hoclieu_pipeline:reprocess", args=[pdf_material.file.pk, "text"])
    response = client.post(url, follow=True)
    assert "đang được xử lí" in response.content.decode()
    text = Derivative.objects.get(material_file=pdf_material.file, kind="text")
    assert text.status == DerivativeStatus.RUNNING


@pytest.mark.parametrize("who", ["teacher2", "reviewer_b", "student"])
def test_reprocess_refused_to_others(client, school, pdf_material, who):
    client.force_login(school[who])
    url = reverse("hoclieu_pipeline:reprocess", args=[pdf_material.file.pk, "text"])
    response = client.post(url)
    # Not allowed: 404 as for a file that does not exist; no admin access: Wagtail's login.
    assert response.status_code == 404 or (response.status_code == 302 and "login" in response["Location"])
    assert Derivative.objects.get(material_file=pdf_material.file, kind="text").attempts == 1


def test_reprocess_unknown_kind_and_get(client, school, pdf_material):
    client.force_login(get_user_model().objects.create_superuser("root", password="pw"))
    unknown = reverse("hoclieu_pipeline:reprocess", args=[pdf_material.file.pk, "nope"])
    assert client.post(unknown).status_code == 404
    url = reverse("hoclieu_pipeline:reprocess", args=[pdf_material.file.pk, "text"])
    assert client.get(url).status_code == 405


def test_principal_sees_state_without_buttons(client, school, pdf_material):
    """The principal may edit the page (Wagtail permission) but not retry a teacher's file
    (user_can_retry_processing): the state is shown, without buttons; a colleague teacher may not
    open the edit view at all."""
    client.force_login(school["principal"])
    response = client.get(edit_url(pdf_material))
    assert response.status_code == 200
    rows = processing_rows(response)
    assert list(rows) == ["probe", "text", "thumbnail", "page_previews"]
    assert all(reprocess_button(row) is None for row in rows.values())
    client.force_login(school["reviewer"])
    assert client.get(edit_url(pdf_material)).status_code == 302


def test_panels_hidden_on_a_new_page(client, school):
    client.force_login(school["teacher"])
    url = reverse("wagtailadmin_pages:add", args=["repository", "materialpage", school["index_a"].pk])
    content = client.get(url).content.decode()
    assert not re.search(r"data-hoclieu-(processing|versions)", content)
