"""The fast intake path: POST /api/v1/appeals with a Bearer token, batched (docs/intake.md).

`parse` turns a request into a `Submission` or says "not mine" (anything unusual goes to the
normal Django/ninja endpoint, so its errors and messages stay the only ones); `batch` plans,
inserts and acknowledges many submissions in one transaction, with exactly the rows
`services.submit_appeal` writes; `writer` runs `batch` on one thread per server process
(group commit); `app` is the ASGI wrapper in front of Django (gongzhi.asgi).
"""
