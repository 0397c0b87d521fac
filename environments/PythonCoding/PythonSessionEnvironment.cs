namespace Forge.Environments.PythonCoding;

/// <summary>
/// <c>code/python-functions</c> with a stateful <c>run_python</c>: the episode's calls share one Python session, as cells of a
/// notebook do (a function defined in one call can be called in the next). Replay restores the session by re-executing
/// the recorded calls in order.
/// </summary>
[Environment("code/python-session", Version = "1", Description = "Write a Python function with a notebook-like run_python (variables persist across calls); hidden unit tests score it.",
    Solver = typeof(PythonSessionSolver), TaskFile = "environments/PythonCoding/python-functions.jsonl")]
public sealed class PythonSessionEnvironment : PythonFunctionsEnvironment
{
    /// <summary>The instructions every episode opens with.</summary>
    public const string SessionInstructions =
        "You write Python 3 functions. Tools: run_python(code) runs code in a Python session and shows its output; like the " +
        "cells of a notebook, the calls share their variables, functions and imports. submit(code) hands in the source that " +
        "defines the function and ends the episode. Hidden unit tests then call the function in a fresh interpreter; your " +
        "reward is the share of them it passes. Define the function at the top level; don't read input or print in it.";

    protected override string SystemMessage => SessionInstructions;

    protected override bool StatefulSession => true;
}
