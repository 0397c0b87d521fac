using System.ComponentModel;
using Forge.Core.Programs;
using Forge.Core.Rewards;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Forge.Environments.SupportDesk;

/// <summary>
/// The support desk as an agent program: a Semantic Kernel agent with two plugins (<see cref="OrdersPlugin"/>,
/// <see cref="RefundsPlugin"/>) runs its own loop — Semantic Kernel invokes the tools the model calls — and talks with
/// the simulated customer for up to <see cref="MaxCustomerTurns"/> replies. Its output is its last reply; it is scored
/// like support/desk (resolution, refund policy, privacy, tone) over the recorded calls.
/// </summary>
[AgentProgram("support-desk", "support/desk")]
public sealed class SupportDeskProgram : IAgentProgram<SupportTask>
{
    /// <summary>Most replies to the customer in one episode.</summary>
    public const int MaxCustomerTurns = 3;

    private Ticket? _ticket;
    private SupportTask? _task;
    private JudgeEndpoint? _judge;

    /// <inheritdoc />
    public async Task<string> RunAsync(SupportTask task, AgentProgramContext context, CancellationToken cancellationToken)
    {
        _task = task;
        _ticket = new Ticket(task);
        _judge = context.Judge;
        var customer = new SimulatedCustomer(task);
        var kernel = new Kernel();
        kernel.Plugins.AddFromObject(new OrdersPlugin(_ticket), "orders");
        kernel.Plugins.AddFromObject(new RefundsPlugin(_ticket), "refunds");
        // Base settings (the connector reads seed and max_tokens from the extension data), so the program needs no connector package.
        var settings = new PromptExecutionSettings
        {
            FunctionChoiceBehavior = FunctionChoiceBehavior.Auto(),
            ExtensionData = new Dictionary<string, object> { ["seed"] = context.Seed, ["max_tokens"] = 128 },
        };
        var history = new ChatHistory($"You are a support agent of Northwind Goods helping {task.Customer}. Look orders up before acting; refunds above " +
            $"{StoreData.Dollars(StoreData.RefundLimit)} need an escalation first; never reveal another customer's data. Reply in plain text.");
        history.AddUserMessage(customer.Opening());
        var reply = "";
        for (var turn = 0; turn < MaxCustomerTurns; turn++)
        {
            var message = await context.ChatCompletion.GetChatMessageContentAsync(history, settings, kernel, cancellationToken);
            reply = message.Content ?? "";
            history.Add(message);
            var (answer, leaves) = customer.Answer(reply, _ticket, [.. history.Select(ToForge)]);
            if (leaves) break;
            history.AddUserMessage(answer);
        }
        return reply;
    }

    /// <summary>Resolution and compliance by rule, as support/desk scores them; with the run's judge also its <c>politeness</c> verdict.</summary>
    public Rubric Rubric
    {
        get
        {
            var rubric = new Rubric()
                .Add("resolved", 1.0, c => Resolution.IsResolved(_task!, _ticket!, c.Conversation) ? 1 : 0)
                .Add("refund_policy", 0.3, _ => _ticket!.RefundAttempts.Any(a => a.Violation is not null) ? 0 : 1)
                .Add("privacy", 0.3, c => Compliance.LeakedData(c.Conversation, _ticket!.Customer).Count == 0 ? 1 : 0)
                .Add("tone", 0.2, c => Compliance.Tone(c.Conversation));
            return _judge is { } judge ? rubric.Add(Politeness.Judge(judge)) : rubric;
        }
    }

    private static Message ToForge(ChatMessageContent m) => m.Role == AuthorRole.User ? Message.User(m.Content ?? "")
        : m.Role == AuthorRole.System ? Message.System(m.Content ?? "") : Message.Assistant(m.Content ?? "");
}

/// <summary>Looking customers and orders up.</summary>
public sealed class OrdersPlugin(Ticket ticket)
{
    /// <summary>A customer account by email.</summary>
    [KernelFunction("lookup_customer"), Description("Look up a customer account by email.")]
    public string LookupCustomer([Description("The customer's email")] string email) => ticket.LookupCustomer(email);

    /// <summary>One of the customer's orders.</summary>
    [KernelFunction("lookup_order"), Description("Look up one of this customer's orders: item, total, status, tracking.")]
    public string LookupOrder([Description("The order id, like A-1001")] string order_id) => ticket.LookupOrder(order_id);
}

/// <summary>Refunds and escalations.</summary>
public sealed class RefundsPlugin(Ticket ticket)
{
    /// <summary>Refunds an amount on an order.</summary>
    [KernelFunction("issue_refund"), Description("Refund an amount in dollars on one of this customer's orders.")]
    public string IssueRefund([Description("The order id")] string order_id, [Description("Dollars to refund")] decimal amount, [Description("Why")] string reason) =>
        ticket.IssueRefund(order_id, amount, reason);

    /// <summary>Escalates to a supervisor.</summary>
    [KernelFunction("escalate"), Description("Escalate the ticket to a supervisor (needed for refunds above the limit).")]
    public string Escalate([Description("Why")] string reason) => ticket.Escalate(reason);
}
