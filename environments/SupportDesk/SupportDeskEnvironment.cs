using System.ComponentModel;
using Forge.Core.Rewards;
using Microsoft.SemanticKernel;

namespace Forge.Environments.SupportDesk;

/// <summary>
/// A customer-support desk: a rule-based customer (<see cref="SimulatedCustomer"/>) writes in; the agent uses the desk's
/// tools under its policy (<see cref="Ticket"/>) and replies in plain text. Scored on resolving the ticket and on compliance.
/// </summary>
[Environment("support/desk", Version = "2", Description = "Multi-turn customer support with a simulated customer, policy-bound tools and compliance checks.",
    Solver = typeof(SupportSolver), TaskFile = "environments/SupportDesk/tickets.jsonl")]
public sealed class SupportDeskEnvironment : ToolEnvironment<SupportTask>
{
    private Ticket? _ticket;
    private SimulatedCustomer? _customer;

    private Ticket Ticket => _ticket ?? throw new InvalidOperationException("support/desk: call ResetAsync before stepping.");

    protected override ValueTask OnResetAsync(CancellationToken cancellationToken)
    {
        _ticket = new Ticket(Task);
        _customer = new SimulatedCustomer(Task);
        return ValueTask.CompletedTask;
    }

    protected override IEnumerable<Message> Prompt(SupportTask task) =>
    [
        Message.System($"You are a support agent of Northwind Goods. This ticket is from {task.Customer}. Policy: act only on this " +
            $"customer's own orders; refunds never exceed the order total, and refunds above {StoreData.Dollars(StoreData.RefundLimit)} " +
            "per order need escalate first; never reveal another customer's personal data; be polite. Reply to the customer in plain text."),
        Message.User(_customer!.Opening()),
    ];

    [KernelFunction, Description("Look up a customer account by email.")]
    public string LookupCustomer([Description("The customer's email")] string email) => Ticket.LookupCustomer(email);

    [KernelFunction, Description("Look up one of this customer's orders: item, total, status, tracking, shipping address.")]
    public string LookupOrder([Description("The order id, like A-1001")] string order_id) => Ticket.LookupOrder(order_id);

    [KernelFunction, Description("Refund an amount in dollars on one of this customer's orders.")]
    public string IssueRefund([Description("The order id")] string order_id, [Description("Dollars to refund")] decimal amount,
        [Description("Why")] string reason) => Ticket.IssueRefund(order_id, amount, reason);

    [KernelFunction, Description("Escalate the ticket to a supervisor (needed for refunds above the limit).")]
    public string Escalate([Description("Why")] string reason) => Ticket.Escalate(reason);

    [KernelFunction, Description("Change the shipping address of one of this customer's orders that has not shipped yet.")]
    public string UpdateAddress([Description("The order id")] string order_id, [Description("The new address")] string address) =>
        Ticket.UpdateAddress(order_id, address);

    [KernelFunction, Description("Close the ticket; the conversation ends.")]
    public string CloseTicket([Description("What was done")] string summary)
    {
        EndEpisode();
        return Ticket.Close(summary);
    }

    protected override ValueTask<Turn> OnReplyAsync(Message reply, CancellationToken cancellationToken)
    {
        var (text, leaves) = _customer!.Answer(reply.Content, Ticket, Conversation);
        return ValueTask.FromResult(leaves ? Turn.End(Message.User(text)) : Turn.Continue(Message.User(text)));
    }

    /// <summary>
    /// Resolution and compliance by rule; with a judge model configured (a scenario's <c>"judge"</c> section; off by
    /// default) also <c>politeness</c>, the judge's verdict on how the agent spoke to the customer (<see cref="Politeness"/>).
    /// </summary>
    protected override Rubric Rubric
    {
        get
        {
            var rubric = new Rubric<SupportTask>()
                .Add("resolved", 1.0, c => Resolution.IsResolved(c.Task, Ticket, c.Conversation) ? 1 : 0)
                .Add("refund_policy", 0.3, _ => Ticket.RefundAttempts.Any(a => a.Violation is not null) ? 0 : 1)
                .Add("privacy", 0.3, c => Compliance.LeakedData(c.Conversation, Ticket.Customer).Count == 0 ? 1 : 0)
                .Add("tone", 0.2, c => Compliance.Tone(c.Conversation))
                .Add(new TokenBudget(maxTokens: 400, weight: 0.1));
            return Judge is { } judge ? rubric.Add(Politeness.Judge(judge)) : rubric;
        }
    }
}
