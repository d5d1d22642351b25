//! `ddigest tags REPO…`: each repository's tags, listed at once over one
//! client (one token per registry), chosen and ordered by the flags; with
//! `--digests` (or `--format pinned`) each tag's digest looked up in one
//! batch; with `REPO@sha256:…` or `--digest`, only the tags behind it.

use crate::batch::{self, BatchOptions, Outcome, Sink};
use crate::cli::{TagsArgs, TagsFormat};
use crate::console::{say, say_run, Stdout};
use crate::digest::Digest;
use crate::exit::{Exit, Failure, Status};
use crate::output::tags::{tag_line, TagLine};
use crate::progress::Progress;
use crate::reference::Reference;
use crate::registry::Client;
use crate::resolve::Resolved;
use crate::tags::reverse::{self, Via};
use crate::tags::select::{anchored, Selection};
use crate::tags::version::Range;
use crate::tags::{self as listing, Listed};
use std::sync::Arc;

/// One repository asked for.
struct Repo {
    /// As written, without any digest.
    input: String,
    reference: Reference,
    /// A reverse lookup's digest.
    target: Option<Digest>,
}

/// A repository's tags once listed and chosen.
struct Chosen {
    tags: Vec<String>,
    listed: Listed,
}

/// `ddigest tags REPO…`
pub async fn run(args: TagsArgs) -> Exit {
    let (repos, selection) = match plan(&args) {
        Ok(plan) => plan,
        Err(exit) => return exit,
    };
    let verifier = match crate::session::verifier(&args.keys, &args.transport) {
        Ok(verifier) => verifier,
        Err(exit) => return exit,
    };
    let client = match crate::session::client(&args.transport) {
        Ok(client) => Arc::new(client),
        Err(e) => {
            say_run(&crate::registry::report::message(&e));
            return Exit::Failed;
        }
    };
    let mut status = Status::default();
    let chosen = list_all(&client, &repos, &selection, &args, &mut status).await;
    let format = args.format.unwrap_or(if repos.len() > 1 {
        TagsFormat::Full
    } else {
        TagsFormat::Tag
    });
    let wants_digests = args.digests || format == TagsFormat::Pinned;
    let opts = BatchOptions {
        jobs: args.jobs.n.into(),
        verify: args.verify.on,
        platforms: args.platform.iter().cloned().collect(),
        verifier,
    };
    let mut out = Stdout::default();
    for (repo, chosen) in repos.iter().zip(&chosen) {
        let Some(chosen) = chosen else { continue };
        let ask = Ask {
            client: &client,
            repo,
            chosen,
            format,
            opts: &opts,
        };
        match &repo.target {
            Some(target) => {
                ask.reverse(target, args.platform.as_ref(), &mut out, &mut status)
                    .await
            }
            None if wants_digests => ask.with_digests(&mut out, &mut status).await,
            None => ask.plain(&mut out),
        }
    }
    if args.transport.verbose {
        let (sent, remaining) = client.requests_made();
        let limit = remaining
            .map(|r| format!("; RateLimit-Remaining: {r}"))
            .unwrap_or_default();
        say("-v", &format!("{sent} requests{limit}"));
    }
    if out.failed {
        status.fail(Exit::Failed);
    }
    status.exit()
}

/// The repositories and the selection, from the flags; bad usage is said
/// and is exit 2.
fn plan(args: &TagsArgs) -> Result<(Vec<Repo>, Selection), Exit> {
    let usage = |subject: &str, why: &str| {
        say(subject, why);
        Exit::Usage
    };
    let digest = match &args.digest {
        Some(d) => Some(Digest::parse(d).map_err(|e| usage("--digest", &e.to_string()))?),
        None => None,
    };
    let mut repos = Vec::new();
    for input in &args.repositories {
        let input = input.trim();
        let reference =
            Reference::parse_normalized(input).map_err(|e| usage(input, &e.failure().message))?;
        // With a digest the tag is ignored, as everywhere else.
        if reference.tag().is_some() && reference.digest().is_none() {
            let why = "a repository has no tag here: give REPO, or REPO@sha256:… for the tags behind a digest";
            return Err(usage(input, why));
        }
        let written = input.rsplit_once('@').map_or(input, |(name, _)| name);
        let written = match reference.tag() {
            Some(tag) => written.strip_suffix(&format!(":{tag}")).unwrap_or(written),
            None => written,
        };
        let target = reference.digest().cloned().or_else(|| digest.clone());
        if target.is_some() && args.keys.any() {
            return Err(usage(
                input,
                "--key, the keyless flags and --policy do not apply to the tags behind a digest",
            ));
        }
        repos.push(Repo {
            input: written.to_string(),
            reference: reference.with_digest(None),
            target,
        });
    }
    let pattern = |flag: &str, p: &String| {
        anchored(p).map_err(|e| usage(flag, &format!("invalid regular expression {p:?}: {e}")))
    };
    let selection = Selection {
        include: args
            .include
            .iter()
            .map(|p| pattern("--include", p))
            .collect::<Result<_, _>>()?,
        exclude: args
            .exclude
            .iter()
            .map(|p| pattern("--exclude", p))
            .collect::<Result<_, _>>()?,
        all_tags: args.all_tags,
        semver: match &args.semver {
            Some(r) => Some(Range::parse(r).map_err(|e| usage("--semver", &e.to_string()))?),
            None => None,
        },
        variant: args.variant.clone(),
        sort: args.sort,
        latest: args.latest,
    };
    Ok((repos, selection))
}

/// Every repository listed at once; a failure is said under its name and
/// leaves `None` in its place.
async fn list_all(
    client: &Arc<Client>,
    repos: &[Repo],
    selection: &Selection,
    args: &TagsArgs,
    status: &mut Status,
) -> Vec<Option<Chosen>> {
    for repo in repos {
        client.plan(&repo.reference);
    }
    let refs: Vec<Reference> = repos.iter().map(|r| r.reference.clone()).collect();
    let max_pages = args.max_pages as usize;
    let hub = args.hub_api.then(hub_url);
    let work = move |client: Arc<Client>, reference: Reference| {
        let hub = hub.clone().filter(|_| reference.domain() == "docker.io");
        async move {
            let listed = match hub {
                Some(base) => listing::hub::list(&client, &reference, &base, max_pages).await,
                None => listing::list(&client, &reference, max_pages).await,
            };
            listed.map_err(|e| Failure::new(e.code(), e.to_string()))
        }
    };
    if args.hub_api {
        for repo in repos.iter().filter(|r| r.reference.domain() != "docker.io") {
            say(
                &repo.input,
                "warning: --hub-api is for Docker Hub; listed from the registry",
            );
        }
    }
    let mut results: Vec<Option<Result<Listed, Failure>>> = repos.iter().map(|_| None).collect();
    crate::batch::engine::run_jobs(client, &refs, args.jobs.n.into(), work, |job, result| {
        results[job] = Some(result);
    })
    .await;
    let mut chosen = Vec::with_capacity(repos.len());
    for (repo, result) in repos.iter().zip(results) {
        match result.unwrap_or_else(|| Err(crate::batch::engine::lost())) {
            Ok(mut listed) => {
                for warning in &listed.warnings {
                    say(&repo.input, &format!("warning: {warning}"));
                }
                let tags = selection.apply(std::mem::take(&mut listed.tags));
                chosen.push(Some(Chosen { tags, listed }));
            }
            Err(failure) => {
                say(&repo.input, &failure.message);
                status.fail(failure.code.exit());
                chosen.push(None);
            }
        }
    }
    chosen
}

/// Docker Hub's tag API: `DDIGEST_HUB_URL`, or hub.docker.com.
fn hub_url() -> String {
    std::env::var("DDIGEST_HUB_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| listing::hub::HUB_URL.to_string())
}

/// One repository's printing.
struct Ask<'a> {
    client: &'a Arc<Client>,
    repo: &'a Repo,
    chosen: &'a Chosen,
    format: TagsFormat,
    opts: &'a BatchOptions,
}

impl Ask<'_> {
    fn line<'b>(
        &'b self,
        tag: &'b str,
        resolved: Option<&'b Resolved>,
        via: Option<&'b Via>,
    ) -> TagLine<'b> {
        TagLine {
            repository: &self.repo.input,
            reference: &self.repo.reference,
            tag,
            resolved,
            vendor: self.chosen.listed.vendor.get(tag),
            via,
        }
    }

    /// The tags alone (JSON adds what the listing said, unverified).
    fn plain(&self, out: &mut Stdout) {
        for tag in &self.chosen.tags {
            let line = self.line(tag, None, None);
            out.line(&tag_line(self.format, &line));
        }
    }

    /// Each tag with its digest, in the listing's chosen order.
    async fn with_digests(&self, out: &mut Stdout, status: &mut Status) {
        let tags = &self.chosen.tags;
        let results = self.resolve(tags, self.opts, status).await;
        for (tag, result) in tags.iter().zip(&results) {
            match result {
                Ok(resolved) => {
                    let line = self.line(tag, Some(resolved), None);
                    self.check_vendor(tag, resolved);
                    out.line(&tag_line(self.format, &line));
                }
                // JSON has a line for every tag, as resolution's does.
                Err(failure) if self.format == TagsFormat::Json => {
                    let line = self.line(tag, None, None);
                    out.line(&crate::output::tags::error_line(&line, failure));
                }
                Err(_) => {}
            }
        }
    }

    /// The tags that lead to `target`; one stderr line when none does.
    async fn reverse(
        &self,
        target: &Digest,
        platform: Option<&crate::platform::Platform>,
        out: &mut Stdout,
        status: &mut Status,
    ) {
        let vendor = &self.chosen.listed.vendor;
        let asked: Vec<String> = self
            .chosen
            .tags
            .iter()
            .filter(|t| reverse::worth_asking(vendor.get(*t), target))
            .cloned()
            .collect();
        let plain = BatchOptions {
            platforms: Vec::new(),
            verifier: Arc::default(),
            ..self.opts.clone()
        };
        let results = self.resolve(&asked, &plain, status).await;
        let found: Vec<Option<&Resolved>> = results.iter().map(|r| r.as_ref().ok()).collect();
        let jobs = self.opts.jobs;
        let (via, failures) = reverse::find(
            self.client,
            &self.repo.reference,
            &found,
            target,
            platform,
            jobs,
        )
        .await;
        for failure in &failures {
            say(&self.repo.input, &failure.message);
            status.fail(failure.code.exit());
        }
        let mut matched = 0;
        for ((tag, resolved), via) in asked.iter().zip(&found).zip(&via) {
            let Some(via) = via else { continue };
            matched += 1;
            let line = self.line(tag, *resolved, Some(via));
            out.line(&tag_line(self.format, &line));
        }
        if matched == 0 {
            let looked = self.chosen.tags.len();
            let why = format!("no tag points at {target} ({looked} tags looked at)");
            say(&self.repo.input, &why);
        }
    }

    /// Each tag's resolution (failures said and counted), in order.
    async fn resolve(
        &self,
        tags: &[String],
        opts: &BatchOptions,
        status: &mut Status,
    ) -> Vec<Result<Resolved, Failure>> {
        let inputs: Vec<String> = tags
            .iter()
            .map(|t| format!("{}:{t}", self.repo.input))
            .collect();
        let mut sink = Collect {
            results: Vec::with_capacity(inputs.len()),
            status,
            progress: Progress::new(inputs.len()),
        };
        batch::run(self.client.clone(), &inputs, opts, &mut sink).await;
        sink.progress.clear();
        sink.results
    }

    /// A listing's digest that a lookup contradicts is said.
    fn check_vendor(&self, tag: &str, resolved: &Resolved) {
        let Some(vendor) = self.chosen.listed.vendor.get(tag) else {
            return;
        };
        if self.opts.platforms.is_empty() && vendor.digest != resolved.digest {
            let why = format!(
                "warning: the registry's listing says {tag} is {}, but the registry answers {}; printed the answer",
                vendor.digest, resolved.digest
            );
            say(&self.repo.input, &why);
        }
    }
}

/// A batch's outcomes kept in order, failures said as they come.
struct Collect<'a> {
    results: Vec<Result<Resolved, Failure>>,
    status: &'a mut Status,
    progress: Progress,
}

impl Sink for Collect<'_> {
    fn deliver(&mut self, outcome: Outcome) {
        match outcome.results.first() {
            Some(Ok(resolved)) => self.results.push(Ok(resolved.clone())),
            Some(Err(failure)) => {
                self.progress.clear();
                say(&outcome.input, &failure.message);
                self.status.fail(failure.code.exit());
                self.results.push(Err(failure.clone()));
            }
            None => self.results.push(Err(crate::batch::engine::lost())),
        }
    }

    fn progress(&mut self, done: usize, total: usize) {
        self.progress.update(done, total);
    }
}
