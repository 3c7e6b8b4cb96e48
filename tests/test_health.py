def test_healthz_answers_without_database(client):
    """/healthz only says the process is alive."""
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database(client, db):
    """/readyz answers 200 when the database answers."""
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"
