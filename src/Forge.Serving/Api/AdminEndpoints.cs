using System.Text.Json;
using Forge.Serving.Hosting;
using Forge.Serving.Policy;
using Microsoft.AspNetCore.Http;

namespace Forge.Serving.Api;

/// <summary>
/// <c>POST /v1/admin/load {"checkpoint": DIR}</c>: loads a checkpoint of the served model's shape beside it, then swaps
/// its weights in between two decode steps and answers with the new policy version. Needs the server's API key; a server
/// started without one refuses it.
/// </summary>
internal sealed class AdminEndpoints(ServerState state)
{
    public async Task LoadAsync(HttpContext context)
    {
        try
        {
            if (state.Options.ApiKey is null)
                throw new ApiException(403, "Admin requests need the server's API key; start forge serve with --api-key-env VAR.", null, "permission_error", "admin_disabled");
            if (state.Policy is not { } policy || state.Scheduler is not { } scheduler)
                throw new ApiException(503, "The model is still loading; retry shortly.", null, "server_error", "model_loading") { RetryAfterSeconds = 1 };
            using var body = await RequestBody.ReadJsonAsync(context, state.Options.MaxBodyBytes);
            var directory = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("checkpoint", out var c) && c.ValueKind == JsonValueKind.String
                ? c.GetString()!
                : throw ApiException.BadField("checkpoint", "required, the path of a checkpoint or model folder on the server.");
            ServedPolicy next;
            try
            {
                next = await Task.Run(() => ServedPolicy.Load(directory, policy.Model.Device), context.RequestAborted);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException or UnauthorizedAccessException or KeyNotFoundException)
            {
                throw ApiException.BadField("checkpoint", e.Message);
            }
            if (next.Model.Config != policy.Model.Config || next.Tokenizer.VocabSize != policy.Tokenizer.VocabSize)
            {
                next.Dispose();
                throw ApiException.BadField("checkpoint", $"{directory}: its model shape or tokenizer differs from the served model's; start a new server for it.");
            }
            var version = await scheduler.ReloadAsync(next);
            context.Response.Headers[ChatCompletionsEndpoint.VersionHeader] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await context.Response.WriteAsJsonAsync(new Dictionary<string, object> { ["policy_version"] = version, ["checkpoint"] = directory }, context.RequestAborted);
        }
        catch (ApiException e)
        {
            await ErrorResponses.WriteAsync(context, e);
        }
    }
}
