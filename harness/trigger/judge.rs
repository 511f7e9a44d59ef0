//! The one entry point that turns what happened when Cognito ran (or did not run) a trigger into
//! Cognito's verdict. The service, `invoke` and the scenario runner all come through here: the
//! shared rules first, then the rules of the trigger's kind, found in the registry.

use super::judgement::{Context, Judgement, Ran};
use super::shared::{self, Failed};
use super::{custom_sender, kind};

/// Judges what happened when Cognito reached the trigger of `ctx.source`.
pub(crate) fn judge(ran: Ran<'_>, ctx: &Context<'_>) -> Judgement {
    let kind = kind(ctx.source.trigger());
    match ran {
        Ran::NoTrigger => (kind.without_function)(ctx),
        Ran::NoFunction { arn } => Judgement::verdict(shared::missing_function(ctx.source, arn)),
        Ran::Invoked(invocation) => match Failed::split(&invocation.result) {
            Ok(payload) => (kind.judge_output)(ctx, payload),
            // Custom senders run asynchronously: their failures never reach the caller (§CS.3).
            Err(failed) if custom_sender::is_sender(ctx.source.trigger()) => Judgement::verdict(
                custom_sender::unreported_failure(ctx.source, invocation, &failed).unwrap_or_else(
                    || shared::failure(ctx.source, kind.function_error, invocation, failed),
                ),
            ),
            Err(failed) => Judgement::verdict(shared::failure(
                ctx.source,
                kind.function_error,
                invocation,
                failed,
            )),
        },
    }
}
