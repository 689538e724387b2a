from merchants.services.declarations import declaration_create, declaration_submit, declaration_update, declaration_attach_document
from tests.factories import scheme, pdf_upload, png_upload


def test_flow(owner, merchant, django_capture_on_commit_callbacks):
    s = scheme("no-reason-return")
    d = declaration_create(actor=owner, merchant=merchant, scheme=s)
    declaration_update(actor=owner, declaration=d, commitments=s.commitments.all(), details={"return_days": 7, "goods_covered": "all"})
    for rd in s.required_documents.filter(is_mandatory=True):
        declaration_attach_document(actor=owner, declaration=d, required_document=rd, upload=pdf_upload())
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(actor=owner, declaration=d)
    d.refresh_from_db()
    assert d.state == "pending_review"
    assert [e.to_state for e in d.events.all()] == ["draft", "submitted", "screening", "pending_review"]
