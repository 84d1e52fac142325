def test_login_and_list(login):
    browser = login("caseworker_a")
    assert browser.get("/households/").status_code == 200
